import numpy as np
import pytest

import passes.deconv_taps  # noqa: F401  (registers the pass; it is not in the default pipeline)
from irc.lower.lower import lower
from tests.passes.pass_case import OnnxBuilder, PassCase as _PassCase

NAME = "deconv-taps"


def PassCase(builder, outputs, name):
    """The graph as the whole default pipeline leaves it but drop-no-op, then this pass."""
    case = _PassCase(builder, outputs, "drop-no-op")
    case.pass_name = name
    return case


def deconv(size, kernel=4, stride=2, pads=(1, 1, 1, 1), then=None, bias=True, channels=(6, 5)):
    """ConvTranspose of a [1, Cin, size, size] input (then an activation), ONNX pads."""
    b = OnnxBuilder((1, channels[0], size, size))
    inputs = ["x", b.weight(channels[0], channels[1], kernel, kernel)] + ([b.weight(channels[1])] if bias else [])
    y = b.node("ConvTranspose", inputs, strides=[stride, stride], pads=list(pads))
    return b, (b.node(then, [y]) if then else y)


@pytest.mark.parametrize("size,then,bias", [(4, "Relu", True), (3, None, False), (5, "Sigmoid", True)])
def test_split_matches_onnx_runtime_and_lowers_to_plain_layers(size, then, bias):
    b, y = deconv(size, then=then, bias=bias)
    case = PassCase(b, [y], NAME)          # check(): IR vs ONNX Runtime within 1e-5, before and after
    assert case.run() is True
    ops = case.ops()
    assert "conv2d_transpose" not in ops and ops.count("interleave2d") == 1
    # kernel 4, stride 2: per phase 4 taps, 3 of them shifted (cropped input, padded output)
    assert ops.count("conv2d") == 16 and ops.count("zero_pad2d") == 12 and ops.count("add") == 4
    assert ops.count("crop2d") == 8                 # one per shift, shared by the phases
    biased = [n for n in case.graph.nodes() if n.op == "conv2d" and len(n.inputs) == 3]
    assert len(biased) == (4 if bias else 0)
    if then:
        assert ops[-1] == then.lower() and ops[-2] == "interleave2d"
    classes = [layer.class_name for layer in lower(case.graph).layers]
    assert classes.count("Permute") == 1 and "Conv2DTranspose" not in classes


def test_odd_kernel_phases_match_onnx_runtime():
    """Kernel 3, stride 2 ('same' trims 1, before 0): phases with 1 and 2 taps."""
    b, y = deconv(4, kernel=3, pads=(0, 0, 1, 1))
    case = PassCase(b, [y], NAME)
    assert case.run() is True
    assert case.ops().count("conv2d") == 9


def test_large_inputs_stay_one_layer():
    """At 16x16 the split saves 6% of the multiply-adds, less than its per-layer cost."""
    b, y = deconv(16)
    case = PassCase(b, [y], NAME)
    case.assert_no_change()
    assert case.rejections() == [f"{NAME}: left %{y}: the split saves 6% of the multiply-adds, under 10%"]


@pytest.mark.parametrize("kwargs, why", [
    ({"kernel": 3, "stride": 1}, "stride 1: one phase, nothing trimmed"),
    ({"pads": (0, 0, 0, 0)}, "padding=valid: only 'same' trims products to save"),
], ids=["stride-one", "valid"])
def test_stride_one_and_valid_padding_stay(kwargs, why):
    b, y = deconv(4, **kwargs)
    case = PassCase(b, [y], NAME)
    case.assert_no_change()
    assert case.rejections() == [f"{NAME}: left %{y}: {why}"]


def test_interleave_puts_phase_ab_at_rows_a_and_columns_b():
    from irc.ir.graph import Node, Value
    from irc.ir.ops import OPS
    phases = [np.full((1, 2, 3, 1), i, np.float32) for i in range(4)]
    node = Node("y", "interleave2d", [f"p{i}" for i in range(4)], ["y"], {"strides": [2, 2]})
    values = [Value(f"p{i}", (1, 2, 3, 1), "f32", "NHWC") for i in range(4)]
    assert OPS["interleave2d"].infer(node, values) == [((1, 4, 6, 1), "NHWC")]
    out = OPS["interleave2d"].evaluate(node, phases, values)[0][0, :, :, 0]
    np.testing.assert_array_equal(out[:2, :2], [[0, 1], [2, 3]])
    np.testing.assert_array_equal(out[3, 4:], [2, 3])
