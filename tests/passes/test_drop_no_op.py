import numpy as np

from irc.lower.lower import lower
from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "drop-no-op"


def int64(values):
    return np.array(values, dtype=np.int64)


def test_same_shape_reshape_and_identity_transpose_leave_no_layer():
    b = OnnxBuilder((1, 12))
    h = b.node("Reshape", [b.node("Relu", ["x"]), b.const(int64([1, 12]))])
    h = b.node("Transpose", [h], perm=[0, 1])
    y = b.node("Sigmoid", [h])
    case = PassCase(b, [y], NAME)
    case.run()
    assert case.ops() == ["relu", "sigmoid"]
    assert [layer.class_name for layer in lower(case.graph).layers] == ["InputLayer", "Activation", "Activation"]


def test_no_op_as_the_graph_output_keeps_the_outputs_name():
    b = OnnxBuilder((1, 12))
    y = b.node("Reshape", [b.node("Relu", ["x"]), b.const(int64([1, 12]))])
    case = PassCase(b, [y], NAME)
    case.run()
    assert case.ops() == ["relu"] and case.graph.outputs == [y]


def test_input_passed_through_as_output_is_kept():
    b = OnnxBuilder((1, 12))
    y = b.node("Reshape", ["x", b.const(int64([1, 12]))])
    case = PassCase(b, [y], NAME)
    ops = case.ops()
    case.run()
    assert case.ops() == ops
    assert case.rejections() == [f"{NAME}: left %{y}: it computes nothing, but its result is a graph output "
                                 "and %x is a graph input, output or constant: it cannot take the output's name"]


def test_reshape_that_moves_data_stays():
    b = OnnxBuilder((1, 12))
    y = b.node("Relu", [b.node("Reshape", ["x", b.const(int64([1, 3, 4]))])])
    case = PassCase(b, [y], NAME)
    assert "reshape" in case.ops()
    case.assert_no_change()
