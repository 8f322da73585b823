from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "to-channels-last"


def conv(b, x, out_channels=4):
    return b.node("Conv", [x, b.weight(out_channels, 3, 3, 2), b.weight(out_channels)], pads=[1, 0, 1, 1])


def test_conv_graph_becomes_nhwc_without_transposes():
    b = OnnxBuilder((1, 3, 6, 5))
    case = PassCase(b, [b.node("Relu", [conv(b, "x")])], NAME)
    assert case.run() is True
    assert case.ops() == ["conv2d", "relu"]
    assert (case.value("x").shape, case.value("x").layout) == ((1, 6, 5, 3), "NHWC")
    assert (case.value("relu2").shape, case.value("relu2").layout) == ((1, 6, 5, 4), "NHWC")
    assert case.value(case.only("conv2d").inputs[1]).layout == "OIHW"     # weights are conv-kernel's job


def test_source_layout_op_gets_a_transpose_back_in_front():
    b = OnnxBuilder((1, 3, 6, 5))
    f = b.node("Flatten", [conv(b, "x")])
    case = PassCase(b, [b.node("Gemm", [f, b.weight(7, 4 * 6 * 5)], transB=1)], NAME)
    assert case.run() is True
    assert case.ops() == ["conv2d", "transpose", "flatten", "dense"]
    t = case.only("transpose")
    assert t.attrs == {"perm": [0, 3, 1, 2], "layout": "NCHW"}
    assert t.inputs == ["conv1"] and case.only("flatten").inputs == t.outputs
    assert case.value("flatten2").layout == "N(C4H6W5)"


def test_2d_graph_is_unchanged():
    b = OnnxBuilder((3, 7))
    g = b.node("Gemm", ["x", b.weight(5, 7), b.weight(5)], transB=1)
    PassCase(b, [b.node("Relu", [g])], NAME).assert_no_change()
