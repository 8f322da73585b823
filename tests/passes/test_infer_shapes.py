from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "infer-shapes"

def conv_relu_dense():
    b = OnnxBuilder((1, 3, 6, 5))
    c = b.node("Conv", ["x", b.weight(4, 3, 3, 2)], pads=[1, 0, 1, 1])
    r = b.node("Relu", [c])
    f = b.node("Flatten", [r])
    return PassCase(b, [b.node("Gemm", [f, b.weight(7, 4 * 6 * 5)], transB=1)], NAME)

def test_recomputes_corrupted_shapes_and_layouts():
    case = conv_relu_dense()
    true = {n: (v.shape, v.layout) for n, v in case.graph.values.items()}
    for name in ("conv1", "relu2", "gemm4"):
        case.value(name).shape, case.value(name).layout = (9,), ""
    assert case.run() is True
    assert {n: (v.shape, v.layout) for n, v in case.graph.values.items()} == true
    assert case.value("relu2").shape == (1, 4, 6, 5)
    assert case.value("flatten3").layout == "N(C4H6W5)"

def test_consistent_graph_is_unchanged():
    conv_relu_dense().assert_no_change()
