import pytest

from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "cancel-transposes"


def conv_transposes(perms, then):
    """Conv -> the model's own Transposes -> `then` ('conv', 'relu' or None: the last is the output)."""
    b = OnnxBuilder((2, 3, 6, 5))
    h = b.node("Conv", ["x", b.weight(4, 3, 3, 2)], pads=[1, 0, 1, 1])
    for perm in perms:
        h = b.node("Transpose", [h], perm=perm)
    if then == "conv":
        h = b.node("Conv", [h, b.weight(2, 4, 1, 1)])
    elif then == "relu":
        h = b.node("Relu", [h])
    return PassCase(b, [h], NAME)


def test_inverse_pairs_cancel_down_to_conv_to_conv():
    case = conv_transposes([[0, 2, 3, 1], [0, 3, 1, 2]], then="conv")
    assert case.ops().count("transpose") == 4      # the model's two, to-channels-last's two
    assert case.run() is True
    assert case.ops() == ["conv2d", "conv2d"]
    first, second = case.graph.nodes()
    assert second.inputs[0] == first.outputs[0]
    assert set(case.graph.values) == {"x", *first.inputs, *first.outputs, *second.inputs, *second.outputs}


@pytest.mark.parametrize("perms, then", [
    ([[0, 2, 3, 1], [0, 2, 3, 1]], "relu"),        # not inverse
    ([[0, 2, 3, 1], [0, 3, 1, 2]], None),          # inverse, but the second is a graph output
], ids=["non-inverse", "result-is-output"])
def test_keeps(perms, then):
    case = conv_transposes(perms, then)
    case.assert_no_change()
    graph_output = [f"{NAME}: left %{case.graph.outputs[0]}: it undoes the transpose before it, but is a "
                    "graph output (the name must stay)"]
    assert case.rejections() == ([] if then else graph_output)
