import numpy as np

from irc.ir.graph import Graph, Node, Value
from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "fold-constants"
SHAPE = (2, 3, 5, 4)


def add_relu_of_constant():
    """add2 = x + relu1(c), built as IR by hand: the ONNX importer never makes constant-only nodes."""
    b = OnnxBuilder(SHAPE)
    c = b.rng.standard_normal(SHAPE).astype(np.float32)
    assert b.node("Add", ["x", b.node("Relu", [b.const(c)])]) == "add2"
    g = Graph()
    g.add_value(Value("x", SHAPE, layout="NCHW"))
    g.inputs, g.outputs = ["x"], ["add2"]
    g.const("c", c, "NCHW")
    for name, op, inputs in (("relu1", "relu", ["c"]), ("add2", "add", ["x", "relu1"])):
        g.add_value(Value(name, SHAPE, layout="NCHW"))
        g.add_node(Node(name, op, inputs, [name]))
    return PassCase(b, ["add2"], NAME, graph=g), c


def test_constant_only_node_becomes_a_weight():
    case, c = add_relu_of_constant()
    assert case.run() is True
    assert case.ops() == ["add"]
    folded = case.value("relu1")
    assert folded.is_const and case.only("add").inputs == ["x", "relu1"]
    np.testing.assert_array_equal(folded.data, np.maximum(c, 0))
    assert "c" not in case.graph.values          # the now unused source constant is dropped


def test_nodes_with_runtime_inputs_stay():
    b = OnnxBuilder((2, 3, 5, 4))
    c = b.node("Conv", ["x", b.weight(4, 3, 3, 3), b.weight(4)])
    PassCase(b, [b.node("Relu", [c])], NAME).assert_no_change()
