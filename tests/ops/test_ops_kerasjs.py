"""Per-op: a one- or two-op ONNX graph compiled by irc and run in real Keras.js under Node
must match ONNX Runtime. Input H, W and C are distinct so layout mistakes show."""

import numpy as np
import onnx
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.compile import CompileOptions, compile_model
from tests.onnx_models import OnnxBuilder, batch_norm_params, run_ort

X4 = (1, 5, 7, 6)          # N, C, H, W


def conv(pads, strides=(1, 1), kernel=(3, 3), dilations=(1, 1), bias=True):
    b = OnnxBuilder(X4)
    inputs = ["x", b.weight(4, 5, *kernel)] + ([b.weight(4, scale=0.5)] if bias else [])
    return b, b.node("Conv", inputs, pads=list(pads), strides=list(strides), dilations=list(dilations))


def deconv(kernel, strides, pads, output_padding=(0, 0), output_shape=None):
    b = OnnxBuilder(X4)
    attrs = dict(kernel_shape=list(kernel), strides=list(strides), pads=list(pads),
                 output_padding=list(output_padding))
    if output_shape:
        attrs["output_shape"] = list(output_shape)
    return b, b.node("ConvTranspose", ["x", b.weight(5, 3, *kernel), b.weight(3, scale=0.5)], **attrs)


def gemm(trans_b, alpha=1.0, beta=1.0):
    b = OnnxBuilder((1, 12))
    w = b.weight(9, 12) if trans_b else b.weight(12, 9)
    return b, b.node("Gemm", ["x", w, b.weight(9, scale=0.5)], transB=trans_b, alpha=alpha, beta=beta)


def batch_norm_4d():
    b = OnnxBuilder(X4)
    return b, b.node("BatchNormalization", ["x"] + batch_norm_params(b, 5), epsilon=2e-5)


def batch_norm_2d():
    b = OnnxBuilder((1, 11))
    return b, b.node("BatchNormalization", ["x"] + batch_norm_params(b, 11), epsilon=1e-3)


def unary(op_type, **attrs):
    b = OnnxBuilder(X4)
    return b, b.node(op_type, ["x"], **attrs)


def softmax_2d():
    b = OnnxBuilder((1, 10))
    return b, b.node("Softmax", ["x"], axis=1)


def flatten_then_gemm(op_type):
    """A CNN head: NCHW features flattened in C, H, W order feed a dense layer."""
    b = OnnxBuilder(X4)
    h = b.node("Relu", [b.node("Conv", ["x", b.weight(4, 5, 3, 3)], pads=[1, 1, 1, 1])])
    if op_type == "Flatten":
        flat = b.node("Flatten", [h], axis=1)
    else:
        flat = b.node("Reshape", [h, b.const(np.array([1, -1], dtype=np.int64))])
    return b, b.node("Gemm", [flat, b.weight(8, 4 * 7 * 6), b.weight(8)], transB=1)


def gemm_then_reshape_to_image():
    """A generator's stem: dense features reshaped to (C, H, W) feed a convolution."""
    b = OnnxBuilder((1, 10))
    h = b.node("Gemm", ["x", b.weight(3 * 4 * 5, 10), b.weight(60)], transB=1)
    h = b.node("BatchNormalization", [h] + batch_norm_params(b, 60))
    h = b.node("Reshape", [b.node("Relu", [h]), b.const(np.array([1, 3, 4, 5], dtype=np.int64))])
    return b, b.node("Conv", [h, b.weight(2, 3, 3, 3)], pads=[1, 1, 1, 1])


def flatten_by_shape_arithmetic():
    """x.view(x.size(0), -1) as the TorchScript exporter writes it: Shape, Gather, Unsqueeze,
    Concat and Reshape, folded at import into one reshape."""
    b = OnnxBuilder(X4)
    h = b.node("Relu", [b.node("Conv", ["x", b.weight(4, 5, 3, 3)], pads=[1, 1, 1, 1])])
    batch = b.node("Gather", [b.node("Shape", [h]), b.const(np.array(0, np.int64))], axis=0)
    shape = b.node("Concat", [b.node("Unsqueeze", [batch, b.const(np.array([0], np.int64))]),
                              b.const(np.array([-1], np.int64))], axis=0)
    return b, b.node("Gemm", [b.node("Reshape", [h, shape]), b.weight(8, 4 * 7 * 6), b.weight(8)], transB=1)


def squeeze_unsqueeze():
    b = OnnxBuilder((1, 12))
    h = b.node("Unsqueeze", [b.node("Unsqueeze", ["x", b.const(np.array([-1], np.int64))]),
                             b.const(np.array([3], np.int64))])
    h = b.node("Conv", [h, b.weight(5, 12, 1, 1)])
    return b, b.node("Squeeze", [h, b.const(np.array([2, 3], np.int64))])


def reduce_over_space(op_type, keepdims, opset=13, axes=(-1, -2)):
    """axes as an input from opset 18 (ReduceSum: from 13), else as an attribute."""
    b = OnnxBuilder(X4)
    h = b.node("Conv", ["x", b.weight(4, 5, 3, 3)], pads=[1, 1, 1, 1])
    if opset >= 18 or op_type == "ReduceSum":
        out = b.node(op_type, [h, b.const(np.array(axes, np.int64))], keepdims=keepdims)
    else:
        out = b.node(op_type, [h], axes=list(axes), keepdims=keepdims)
    b.opset = opset
    return b, out


def transpose():
    b = OnnxBuilder(X4)
    return b, b.node("Transpose", ["x"], perm=[0, 1, 3, 2])


def add_branches():
    b = OnnxBuilder(X4)
    left = b.node("Conv", ["x", b.weight(5, 5, 3, 3)], pads=[1, 1, 1, 1])
    return b, b.node("Add", [left, "x"])


CASES = {
    "conv-same": lambda: conv([1, 1, 1, 1]),
    "conv-valid": lambda: conv([0, 0, 0, 0]),
    "conv-stride2-same": lambda: conv([0, 0, 1, 1], strides=(2, 2)),
    "conv-stride2-sym-pads": lambda: conv([1, 1, 1, 1], strides=(2, 2)),
    "conv-asymmetric-pads": lambda: conv([2, 0, 1, 3], kernel=(3, 2)),
    "conv-dilated": lambda: conv([2, 2, 2, 2], dilations=(2, 2)),
    # Keras dilates at stride 1 only: the kernel it spans, zeros between its taps
    "conv-dilated-strided": lambda: conv([2, 1, 2, 3], strides=(2, 2), dilations=(2, 3)),
    "conv-no-bias": lambda: conv([1, 1, 1, 1], bias=False),
    "deconv-k4s2p1-same": lambda: deconv((4, 4), (2, 2), (1, 1, 1, 1)),
    "deconv-k3s1p1-same": lambda: deconv((3, 3), (1, 1), (1, 1, 1, 1)),
    "deconv-k4s2p0-valid": lambda: deconv((4, 4), (2, 2), (0, 0, 0, 0)),
    "deconv-k4s1p1-crop": lambda: deconv((4, 4), (1, 1), (1, 1, 1, 1)),
    "deconv-k2s3-kernel-below-stride": lambda: deconv((2, 2), (3, 3), (0, 0, 0, 0)),
    "deconv-asymmetric-pads": lambda: deconv((5, 3), (2, 1), (2, 0, 1, 1)),
    "deconv-output-shape": lambda: deconv((4, 4), (2, 2), (0, 0, 0, 0), output_shape=(14, 12)),
    "deconv-output-padding": lambda: deconv((3, 3), (2, 2), (1, 1, 1, 1), output_padding=(1, 1)),
    "deconv-output-padding-past-keras": lambda: deconv((3, 3), (3, 3), (1, 1, 1, 1), output_padding=(2, 1)),
    "gemm-transB": lambda: gemm(1),
    "gemm-alpha-beta": lambda: gemm(0, alpha=0.5, beta=2.0),
    "batchnorm-4d": batch_norm_4d,
    "batchnorm-2d": batch_norm_2d,
    "relu": lambda: unary("Relu"),
    "sigmoid": lambda: unary("Sigmoid"),
    "tanh": lambda: unary("Tanh"),
    "leaky-relu": lambda: unary("LeakyRelu", alpha=0.2),
    "elu": lambda: unary("Elu", alpha=0.7),
    "softmax": softmax_2d,
    "flatten-gemm": lambda: flatten_then_gemm("Flatten"),
    "reshape-gemm": lambda: flatten_then_gemm("Reshape"),
    "gemm-reshape-conv": gemm_then_reshape_to_image,
    "transpose": transpose,
    "flatten-by-shape-arithmetic": flatten_by_shape_arithmetic,
    "squeeze-unsqueeze": squeeze_unsqueeze,
    "reduce-mean-keepdims": lambda: reduce_over_space("ReduceMean", 1),
    "reduce-max-dropdims": lambda: reduce_over_space("ReduceMax", 0),
    "reduce-mean-opset18": lambda: reduce_over_space("ReduceMean", 0, opset=18),
    "reduce-sum-space": lambda: reduce_over_space("ReduceSum", 1),
    # over the channels (CBAM's spatial attention): the map turned so they are a spatial axis
    "reduce-mean-channels": lambda: reduce_over_space("ReduceMean", 1, axes=[1]),
    "reduce-max-channels-dropdims": lambda: reduce_over_space("ReduceMax", 0, axes=[-3]),
    "reduce-sum-channels": lambda: reduce_over_space("ReduceSum", 1, axes=[1]),
    "add": add_branches,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_op_matches_onnxruntime_in_kerasjs(case, tmp_path):
    builder, output = CASES[case]()
    model = builder.model([output])
    path = tmp_path / f"{case}.onnx"
    onnx.save(model, str(path))
    x = builder.input()
    expected = run_ort(model, {"x": x})[output]

    compile_model(path, tmp_path / "out", CompileOptions(verify_each=True, probe=False))
    got = run_manifest(tmp_path / "out", read_manifest(tmp_path / "out"), {"x": x})[output]

    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= 1e-5 * max(1.0, np.abs(expected).max())
