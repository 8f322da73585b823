"""Per-op: arithmetic, activations, softmax and grouped convolution, compiled by irc and run
in real Keras.js under Node, against ONNX Runtime (and the IR's numpy reference against
ONNX Runtime on the imported graph). Input H, W and C are distinct, H != W, inputs negative
and positive. Refused cases must fail with one line naming the node and the op."""

import numpy as np
import onnx
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.compile import CompileOptions, compile_model
from irc.targets.kerasjs.legalize import legalize
from tests.onnx_models import OnnxBuilder, batch_norm_params
from tests.ops.op_case import X4, C, H, W, assert_refused, close, compile_and_run, graph, once_per_case


def conv(b, x, out, kernel=(3, 3), pads=(1, 1, 1, 1), **attrs):
    """A convolution of a C-channel input."""
    w = b.weight(out, C // attrs.get("group", 1), *kernel)
    return b.node("Conv", [x, w, b.weight(out, scale=0.5)], pads=list(pads), **attrs)


def residual_batchnorm(b):
    """conv -> BatchNormalization -> Add(., conv): BN's input is also read by the Add."""
    c = conv(b, "x", C)
    return b.node("Add", [b.node("BatchNormalization", [c] + batch_norm_params(b, C)), c])


def scalar(b, value):
    return b.const(np.array(value, np.float32))


CASES = {
    # ---- arithmetic between activations of equal shape ----
    "add": graph(lambda b: b.node("Add", ["x", b.node("Tanh", ["x"])])),
    "sum-3": graph(lambda b: b.node("Sum", ["x", b.node("Relu", ["x"]), b.node("Sigmoid", ["x"])])),
    "sum-1": graph(lambda b: b.node("Sum", ["x"])),
    "sub": graph(lambda b: b.node("Sub", [b.node("Relu", ["x"]), "x"])),
    "mul": graph(lambda b: b.node("Mul", ["x", b.node("Tanh", ["x"])])),
    "mul-same-input": graph(lambda b: b.node("Mul", ["x", "x"])),
    "max-3": graph(lambda b: b.node("Max", ["x", b.node("Tanh", ["x"]), b.node("Sigmoid", ["x"])])),
    "min-2": graph(lambda b: b.node("Min", ["x", b.node("Tanh", ["x"])])),
    "mean-3": graph(lambda b: b.node("Mean", ["x", b.node("Tanh", ["x"]), b.node("Sigmoid", ["x"])])),
    "add-2d": graph(lambda b: b.node("Add", ["x", b.node("Tanh", ["x"])]), (1, 11)),
    # ---- numpy broadcasting between activations (expand: Reshape, RepeatVector, Permute) ----
    "mul-squeeze-excite": graph(lambda b: b.node("Mul", ["x", b.node("Sigmoid", [conv(b, "x", C, (H, W), (0, 0, 0, 0))])])),
    "add-over-channels": graph(lambda b: b.node("Add", ["x", conv(b, "x", 1)])),
    "add-column-and-row": graph(lambda b: b.node("Add", [conv(b, "x", C, (1, W), (0, 0, 0, 0)),
                                                         conv(b, "x", C, (H, 1), (0, 0, 0, 0))])),
    "sub-lower-rank": graph(lambda b: b.node("Sub", ["x", b.node("Reshape", [conv(b, "x", 1, (H, 1), (0, 0, 0, 0)),
                                                                             b.const(np.array([1, W], np.int64))])])),
    # ---- constant operands: affine maps, as BatchNormalization ----
    "batchnorm-exported-as-mul-add": graph(lambda b: b.node("Add", [b.node("Mul", ["x", b.weight(C, 1, 1)]),
                                                                    b.weight(C, 1, 1)])),
    "mul-const-1c11": graph(lambda b: b.node("Mul", ["x", b.weight(1, C, 1, 1)])),
    "add-scalar": graph(lambda b: b.node("Add", ["x", scalar(b, 0.25)])),
    "sub-x-minus-const": graph(lambda b: b.node("Sub", ["x", b.weight(C, 1, 1)])),
    "sub-const-minus-x": graph(lambda b: b.node("Sub", [b.weight(C, 1, 1), "x"])),
    "add-then-mul": graph(lambda b: b.node("Mul", [b.node("Add", ["x", b.weight(C, 1, 1)]), b.weight(C, 1, 1)])),
    "mul-add-mul": graph(lambda b: b.node("Mul", [b.node("Add", [b.node("Mul", ["x", b.weight(C, 1, 1)]),
                                                                 b.weight(C, 1, 1)]), b.weight(C, 1, 1)])),
    "sum-two-constants": graph(lambda b: b.node("Sum", ["x", b.weight(C, 1, 1), b.weight(W)])),
    "mul-const-per-row": graph(lambda b: b.node("Mul", ["x", b.weight(H, 1)])),
    "mul-const-per-column": graph(lambda b: b.node("Mul", ["x", b.weight(W)])),
    "add-const-full-tensor": graph(lambda b: b.node("Add", ["x", b.weight(1, C, H, W)])),
    "add-const-hw": graph(lambda b: b.node("Add", ["x", b.weight(H, W)])),
    "add-const-wider-than-input": graph(lambda b: b.node("Add", [conv(b, "x", C, (H, W), (0, 0, 0, 0)),
                                                                 b.weight(C, H, W)])),
    "mul-add-2d": graph(lambda b: b.node("Add", [b.node("Mul", ["x", b.weight(11)]), b.weight(11)]), (1, 11)),
    "gemm-then-scale": graph(lambda b: b.node("Mul", [b.node("Gemm", ["x", b.weight(8, 11)], transB=1), b.weight(8)]),
                             (1, 11)),
    "max-with-zero": graph(lambda b: b.node("Max", ["x", scalar(b, 0.0)])),
    # ---- activations ----
    "prelu-per-channel": graph(lambda b: b.node("PRelu", ["x", b.weight(C, 1, 1)])),
    "prelu-scalar": graph(lambda b: b.node("PRelu", ["x", b.const(np.array([0.3], np.float32))])),
    "prelu-2d": graph(lambda b: b.node("PRelu", ["x", b.weight(11)]), (1, 11)),
    "selu": graph(lambda b: b.node("Selu", ["x"])),
    "selu-other-constants": graph(lambda b: b.node("Selu", ["x"], alpha=2.0, gamma=1.5)),
    "hard-sigmoid": graph(lambda b: b.node("HardSigmoid", ["x"])),
    "hard-sigmoid-other-constants": graph(lambda b: b.node("HardSigmoid", ["x"], alpha=0.3, beta=0.4)),
    "thresholded-relu": graph(lambda b: b.node("ThresholdedRelu", ["x"], alpha=0.3)),
    "softplus": graph(lambda b: b.node("Softplus", ["x"])),
    "softsign": graph(lambda b: b.node("Softsign", ["x"])),
    "clip-as-relu": graph(lambda b: b.node("Clip", ["x", scalar(b, 0.0)])),
    "clip-unbounded": graph(lambda b: b.node("Clip", ["x"])),
    "clip-relu6": graph(lambda b: b.node("Clip", ["x", scalar(b, 0.0), scalar(b, 6.0)])),
    "clip-both": graph(lambda b: b.node("Clip", ["x", scalar(b, -2.5), scalar(b, 3.5)])),
    "clip-min-only": graph(lambda b: b.node("Clip", ["x", scalar(b, -1.5)])),
    "clip-max-only": graph(lambda b: b.node("Clip", ["x", "", scalar(b, 2.5)])),
    "clip-min-above-max": graph(lambda b: b.node("Clip", ["x", scalar(b, 1.0), scalar(b, -1.0)])),
    "relu6-after-conv": graph(lambda b: b.node("Clip", [conv(b, "x", C), scalar(b, 0.0), scalar(b, 6.0)])),
    "hard-sigmoid-negative-alpha": graph(lambda b: b.node("HardSigmoid", ["x"], alpha=-0.7, beta=0.1)),
    "neg": graph(lambda b: b.node("Neg", ["x"])),
    "abs": graph(lambda b: b.node("Abs", ["x"])),
    "div-scalar": graph(lambda b: b.node("Div", ["x", scalar(b, 3.0)])),
    "div-per-channel": graph(lambda b: b.node("Div", ["x", b.weight(C, 1, 1)])),
    "div-constants": graph(lambda b: b.node("Add", ["x", b.node("Div", [b.weight(C, 1, 1), scalar(b, 7.0)])])),
    # ---- softmax on any axis ----
    "softmax-channels": graph(lambda b: b.node("Softmax", ["x"], axis=1)),
    "softmax-height": graph(lambda b: b.node("Softmax", ["x"], axis=2)),
    "softmax-last": graph(lambda b: b.node("Softmax", ["x"])),
    "softmax-2d": graph(lambda b: b.node("Softmax", ["x"], axis=1), (1, 11)),
    "softmax-3d-channels": graph(lambda b: b.node("Softmax", ["x"], axis=1), (1, 4, 9)),
    # ---- in-place layers whose input has other readers: a copy goes in front ----
    "residual-batchnorm": graph(residual_batchnorm),
    "residual-leaky-relu": graph(lambda b: b.node("Add", ["x", b.node("LeakyRelu", ["x"], alpha=0.1)])),
    "residual-elu-prelu": graph(lambda b: b.node("Add", [b.node("Elu", ["x"]),
                                                         b.node("PRelu", ["x", b.weight(C, 1, 1)])])),
    "residual-affine": graph(lambda b: b.node("Add", ["x", b.node("Mul", ["x", b.weight(C, 1, 1)])])),
    # ---- grouped convolution ----
    "conv-depthwise": graph(lambda b: conv(b, "x", C, group=C)),
    "conv-depthwise-multiplier-2": graph(lambda b: conv(b, "x", 2 * C, group=C)),
    "conv-depthwise-stride2-valid": graph(lambda b: conv(b, "x", C, pads=(0, 0, 0, 0), strides=[2, 2], group=C)),
    "conv-depthwise-dilated": graph(lambda b: conv(b, "x", C, pads=(2, 2, 2, 2), dilations=[2, 2], group=C)),
    "conv-groups-2": graph(lambda b: b.node("Conv", ["x", b.weight(4, 3, 3, 2)], pads=[1, 0, 1, 1], group=2),
                           (1, 6, 7, 5)),
    "conv-groups-3-after-relu": graph(lambda b: b.node("Conv", [b.node("Relu", ["x"]), b.weight(9, 2, 3, 3)],
                                                       pads=[1, 1, 1, 1], group=3), (1, 6, 7, 5)),
}

OLDER_OPSETS = {           # name: (graph, opset) where the older form differs
    "softmax-channels-opset11": (graph(lambda b: b.node("Softmax", ["x"], axis=1)), 11),
    "softmax-width-opset11": (graph(lambda b: b.node("Softmax", ["x"], axis=3)), 11),
    "softmax-height-opset11": (graph(lambda b: b.node("Softmax", ["x"], axis=2)), 11),
    "softmax-default-axis-opset11": (graph(lambda b: b.node("Softmax", ["x"])), 11),
    "softmax-2d-axis0-opset11": (graph(lambda b: b.node("Softmax", ["x"], axis=0), (1, 11)), 11),
    "clip-attrs-opset6": (graph(lambda b: b.node("Clip", ["x"], min=0.0)), 6),
    "clip-relu6-attrs-opset6": (graph(lambda b: b.node("Clip", ["x"], min=0.0, max=6.0)), 6),
    "clip-max-attr-opset6": (graph(lambda b: b.node("Clip", ["x"], max=1.5)), 6),
    "hard-swish-opset14": (graph(lambda b: b.node("HardSwish", ["x"])), 14),
    "sum-max-mean-opset7": (graph(lambda b: b.node("Mean", [b.node("Max", ["x", b.node("Tanh", ["x"])]),
                                                              b.node("Sum", ["x", "x"])])), 7),
    "prelu-opset7": (graph(lambda b: b.node("PRelu", ["x", b.weight(C, 1, 1)])), 7),
    "add-mul-const-opset7": (graph(lambda b: b.node("Add", [b.node("Mul", ["x", b.weight(C, 1, 1)]),
                                                            b.weight(C, 1, 1)])), 7),
}
ALL = {**{name: (make, 13) for name, make in CASES.items()}, **OLDER_OPSETS}
INPUT_RANGES = {
    **dict.fromkeys(["hard-sigmoid", "hard-sigmoid-other-constants", "hard-sigmoid-negative-alpha", "selu",
                     "selu-other-constants", "softplus"], (-4.0, 4.0)),
    **dict.fromkeys(["clip-relu6", "clip-both", "clip-min-only", "clip-max-only", "clip-relu6-attrs-opset6",
                     "clip-max-attr-opset6", "hard-swish-opset14", "div-scalar", "relu6-after-conv"], (-10.0, 10.0)),
}
# Exact decompositions (fills, Maximum/Minimum, relu, x * -1): Keras.js gives ORT's bits.
BIT_EXACT = ["clip-relu6", "clip-both", "clip-min-only", "clip-max-only", "clip-min-above-max",
             "clip-relu6-attrs-opset6", "clip-max-attr-opset6", "neg", "abs"]


def run_case(tmp_path, case):
    make, opset = ALL[case]
    builder, output = make()
    return compile_and_run(tmp_path, builder, output, opset, builder.input(*INPUT_RANGES.get(case, ())))


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """case -> OpRun (ORT, IR reference, {None: Keras.js}, KerasModel), each case compiled and run once."""
    return once_per_case(tmp_path_factory, run_case)


@pytest.mark.parametrize("case", sorted(ALL))
def test_op_matches_onnxruntime_in_kerasjs(case, compiled):
    expected, reference, got, _ = compiled(case)
    assert close(reference, expected), "the IR's numpy reference differs from ONNX Runtime"
    assert close(got[None], expected), "Keras.js differs from ONNX Runtime"


@pytest.mark.parametrize("case", BIT_EXACT)
def test_exact_decompositions_match_bit_for_bit(case, compiled):
    expected, _, got, _ = compiled(case)
    np.testing.assert_array_equal(got[None], expected)


def test_exported_batchnorm_is_one_exact_batchnorm_layer(compiled):
    expected, _, got, keras_model = compiled("batchnorm-exported-as-mul-add")
    assert [layer.class_name for layer in keras_model.layers[1:]] == ["BatchNormalization"]
    np.testing.assert_array_equal(got[None], expected)          # bit for bit: same roundings as ORT


@pytest.mark.parametrize("case, layers", [
    ("residual-batchnorm", ["Conv2D", "Reshape", "BatchNormalization", "Add"]),
    ("residual-leaky-relu", ["Reshape", "LeakyReLU", "Add"]),
    ("conv-depthwise", ["SeparableConv2D"]),           # identity pointwise (irc/targets/kerasjs/grouped.py)
    ("softmax-channels", ["Reshape", "Activation", "Reshape"]),
    ("mul-squeeze-excite", ["Conv2D", "Reshape", "RepeatVector", "Reshape", "Multiply"]),   # sigmoid fused
    ("hard-sigmoid-other-constants", ["BatchNormalization", "Activation"]),
    ("relu6-after-conv", ["Conv2D", "Reshape", "BatchNormalization", "Minimum"]),  # relu fused, fill of 6
    ("clip-both", ["Reshape", "BatchNormalization", "Maximum", "Reshape", "BatchNormalization", "Minimum"]),
    ("abs", ["Reshape", "BatchNormalization", "Maximum"]),
    ("div-per-channel", ["BatchNormalization"]),
    ("hard-swish-opset14", ["Reshape", "BatchNormalization", "Activation", "Multiply"]),
])
def test_layers_chosen(case, layers, compiled):
    """The layers model.bin holds (Keras.js's copies in front of in-place layers included)."""
    assert [layer.class_name for layer in legalize(compiled(case)[3]).layers[1:]] == layers


REFUSED = {   # name: (graph, opset, words the one-line message must hold besides node and op)
    "log-softmax": (graph(lambda b: b.node("LogSoftmax", ["x"])), 13, "LogSoftmax_1 (LogSoftmax)",
                    "no log-softmax"),
    "div-by-computed": (graph(lambda b: b.node("Div", ["x", b.node("Sigmoid", ["x"])])), 13, "Div_2 (Div)",
                        "only division by a constant"),
    "div-constant-by-x": (graph(lambda b: b.node("Div", [scalar(b, 1.0), "x"])), 13, "Div_1 (Div)",
                          "only division by a constant"),
    "div-by-zero": (graph(lambda b: b.node("Div", ["x", b.const(np.array([1, 0, 1, 1, 1], np.float32)
                                                             .reshape(C, 1, 1))])), 13, "Div_1 (Div)", "reciprocal"),
    "prelu-computed-slope": (graph(lambda b: b.node("PRelu", ["x", b.node("Tanh", ["x"])])), 13,
                             "PRelu_2 (PRelu)", "slope must be a constant"),
    "add-not-broadcastable": (graph(lambda b: b.node("Add", ["x", conv(b, "x", C, (2, 2), (0, 0, 0, 0))])), 13,
                              "Add_2 (Add)", "do not broadcast"),
    "softmax-over-batch": (graph(lambda b: b.node("Softmax", ["x"], axis=0)), 13, "Softmax_1 (softmax",
                           "batch axis"),
    "conv-transpose-groups": (graph(lambda b: b.node("ConvTranspose", ["x", b.weight(C, 1, 3, 3)], group=C)), 13,
                              "ConvTranspose_1 (conv2d_transpose", "group=5"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_with_one_line_naming_node_and_op(case, tmp_path):
    make, opset, where, why = REFUSED[case]
    builder, output = make()
    assert_refused(tmp_path, builder, output, opset, where, why)


def test_legacy_broadcast_add_before_opset7(tmp_path):
    """Add-6 with broadcast=1, axis=1 (ONNX Runtime no longer runs it): a per-channel bias."""
    b = OnnxBuilder(X4)
    bias = np.linspace(-1, 1, C, dtype=np.float32)
    out = b.node("Add", ["x", b.const(bias)], broadcast=1, axis=1)
    path = tmp_path / "m.onnx"
    onnx.save(b.model([out], opset=6), str(path))
    compile_model(path, tmp_path / "out", CompileOptions(verify_each=True, probe=False))
    x = b.input()
    got = run_manifest(tmp_path / "out", read_manifest(tmp_path / "out"), {"x": x})[out]
    np.testing.assert_array_equal(got, x + bias.reshape(1, C, 1, 1))
