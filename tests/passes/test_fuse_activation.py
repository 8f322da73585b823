import numpy as np
import pytest

from irc.lower.lower import lower
from tests.ir_check import run_ir
from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "fuse-activation"
X4 = (1, 5, 7, 6)


def conv_then(op_type, **attrs):
    b = OnnxBuilder(X4)
    c = b.node("Conv", ["x", b.weight(4, 5, 3, 3), b.weight(4)], pads=[1, 1, 1, 1])
    return b, c, b.node(op_type, [c], **attrs)


def deconv_then(op_type):
    b = OnnxBuilder(X4)
    c = b.node("ConvTranspose", ["x", b.weight(5, 3, 3, 3), b.weight(3)], pads=[1, 1, 1, 1])
    return b, c, b.node(op_type, [c])


def gemm_then(op_type, **attrs):
    b = OnnxBuilder((1, 12))
    c = b.node("Gemm", ["x", b.weight(9, 12), b.weight(9)], transB=1)
    return b, c, b.node(op_type, [c], **attrs)


CASES = {"conv_relu": lambda: conv_then("Relu"), "conv_tanh": lambda: conv_then("Tanh"),
         "deconv_sigmoid": lambda: deconv_then("Sigmoid"), "gemm_relu": lambda: gemm_then("Relu"),
         "gemm_softmax": lambda: gemm_then("Softmax", axis=1)}
KERAS = {"conv2d": "Conv2D", "conv2d_transpose": "Conv2DTranspose", "dense": "Dense"}


@pytest.mark.parametrize("name", CASES)
def test_activation_becomes_the_layers_and_changes_no_number(name):
    b, _, y = CASES[name]()
    case = PassCase(b, [y], NAME)
    before = run_ir(case.graph, case.feeds)[y]
    act = case.ops()[-1]
    assert case.run() is True
    layer = case.only(next(op for op in case.ops() if op in KERAS))
    assert case.ops() == [layer.op] and layer.attrs["activation"] == act and layer.outputs == [y]
    np.testing.assert_array_equal(run_ir(case.graph, case.feeds)[y], before)     # bit-exact
    classes = {layer.class_name: layer.config for layer in lower(case.graph).layers}
    assert "Activation" not in classes and classes[KERAS[layer.op]]["activation"] == act


def test_softmax_after_a_convolution_stays():
    """Keras.js's softmax takes 1D/2D tensors only."""
    b, c, y = conv_then("Softmax", axis=1)
    case = PassCase(b, [y], NAME)
    case.assert_no_change()
    assert case.rejections() == [f"{NAME}: left %{c}: Keras.js's softmax activation works on 1D/2D tensors: "
                                 "fused into dense only"]


def test_layer_read_twice_keeps_its_activation_separate():
    b, c, y = conv_then("Relu")
    case = PassCase(b, [y, c], NAME)
    case.assert_no_change()
    assert case.rejections() == [f"{NAME}: left %{c}: its result is a graph output"]


def test_a_fused_layer_takes_no_second_activation():
    b = OnnxBuilder((1, 12))
    y = b.node("Sigmoid", [b.node("Relu", [b.node("Gemm", ["x", b.weight(9, 12), b.weight(9)], transB=1)])])
    case = PassCase(b, [y], NAME)
    assert case.run() is True
    assert case.ops() == ["dense", "sigmoid"]
    assert case.rejections() == [f"{NAME}: left %relu2: it already has activation=relu"]
