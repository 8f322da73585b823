"""Elementwise IR ops that name axes or hold constants: their remap hooks keep them right
when to-channels-last moves the activation (checked numerically by PassCase)."""

import numpy as np
import pytest

from irc.frontend.onnx_import import import_onnx
from irc.ir.verify import GraphInvalid, verify
from passes.pipeline import DEFAULT_PIPELINE
from passes.registry import PASSES
from tests.ir_check import run_ir
from tests.onnx_models import run_ort
from tests.passes.pass_case import OnnxBuilder, PassCase

SHAPE = (1, 5, 7, 6)


def conv(b, x):
    return b.node("Conv", [x, b.weight(5, 5, 3, 3)], pads=[1, 1, 1, 1])


@pytest.mark.parametrize("op_type, const_shape", [("PRelu", (5, 1, 1)), ("Add", (1, 5, 7, 6)), ("Mul", (7, 1))])
def test_constant_operand_follows_the_activation_to_nhwc(op_type, const_shape):
    b = OnnxBuilder(SHAPE)
    case = PassCase(b, [b.node(op_type, [conv(b, "x"), b.weight(*const_shape)])], "to-channels-last")
    assert case.run() is True
    node = case.graph.nodes()[-1]
    const = case.value(node.inputs[1])
    assert case.value(node.inputs[0]).layout == "NHWC" and const.layout == "NHWC"
    assert case.ops()[-1] in ("prelu", "affine")


@pytest.mark.parametrize("axis, opset, axes", [(1, 13, [3]), (2, 13, [1]), (3, 13, [2]), (2, 11, [1, 2])])
def test_softmax_axes_follow_the_activation_to_nhwc(axis, opset, axes):
    b = OnnxBuilder(SHAPE)
    out = b.node("Softmax", [conv(b, "x")], axis=axis)
    model = b.model([out], opset=opset)
    graph = import_onnx(model)
    for name in DEFAULT_PIPELINE[:DEFAULT_PIPELINE.index("to-channels-last") + 1]:
        PASSES[name](graph)
    verify(graph)
    assert graph.value("conv1").layout == "NHWC" and graph.nodes()[-1].attrs["axes"] == axes
    feeds = {"x": b.input()}
    np.testing.assert_allclose(run_ir(graph, feeds)[out], run_ort(model, feeds)[out], rtol=0, atol=1e-6)


def test_arithmetic_refuses_activations_of_different_shapes():
    b = OnnxBuilder(SHAPE)
    graph = import_onnx(b.model([b.node("Add", ["x", conv(b, "x")])]))
    node = graph.nodes()[-1]
    graph.set_inputs(node, [node.inputs[0], graph.nodes()[0].inputs[1]])   # the conv kernel: a constant
    with pytest.raises(GraphInvalid, match="not stored like the activation"):
        verify(graph)


def test_affine_reference_rounds_each_step_to_float32():
    from irc.ir.graph import Graph, Node, Value
    from irc.ir.interpret import interpret
    g = Graph()
    g.add_value(Value("x", (1, 3), layout="NC"))
    g.inputs, g.outputs = ["x"], ["y"]
    for name, v in (("o", 0.0), ("s", 3.0), ("b", 1e8)):
        g.const(name, np.full((1, 1), v, np.float32), "NC")
    g.add_value(Value("y", (1, 3), layout="NC"))
    g.add_node(Node("y", "affine", ["x", "o", "s", "b"], ["y"]))
    x = np.array([[0.1, 1.7, -2.3]], np.float32)
    want = (x * np.float32(3)).astype(np.float32) + np.float32(1e8)
    np.testing.assert_array_equal(interpret(g, {"x": x})["y"], want)
