import numpy as np
import pytest

from irc.lower.lower import lower
from tests.ir_check import run_ir
from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "fold-batchnorm"
X4 = (1, 5, 7, 6)
RTOL = 1e-5          # relative to the output's magnitude: folding rounds once instead of twice


class FoldCase(PassCase):
    def check(self):
        got = run_ir(self.graph, self.feeds)
        for name, want in self.expected.items():
            assert np.abs(got[name] - want).max() <= RTOL * max(1.0, np.abs(want).max()), name


def bn_params(b, channels):
    """Variances far from 1 (tiny and huge), so a wrong scale or epsilon shows."""
    rng = b.rng
    var = np.where(rng.uniform(size=channels) < 0.5, rng.uniform(1e-3, 1e-2, channels), rng.uniform(50, 200, channels))
    return [b.const(a.astype(np.float32)) for a in (
        rng.uniform(0.5, 1.5, channels), rng.normal(0, 0.3, channels), rng.normal(0, 0.5, channels), var)]


def with_bn(b, h, channels, epsilon=2e-5):
    return b.node("BatchNormalization", [h] + bn_params(b, channels), epsilon=epsilon)


def conv(bias=True):
    b = OnnxBuilder(X4)
    inputs = ["x", b.weight(4, 5, 3, 3)] + ([b.weight(4, scale=0.5)] if bias else [])
    return b, with_bn(b, b.node("Conv", inputs, pads=[1, 1, 1, 1]), 4)


def deconv(pads):
    b = OnnxBuilder(X4)
    h = b.node("ConvTranspose", ["x", b.weight(5, 3, 4, 4), b.weight(3)], strides=[2, 2], pads=pads)
    return b, with_bn(b, h, 3, epsilon=1e-3)


def gemm():
    b = OnnxBuilder((1, 12))
    return b, with_bn(b, b.node("Gemm", ["x", b.weight(9, 12), b.weight(9)], transB=1), 9)


@pytest.mark.parametrize("make", [lambda: conv(True), lambda: conv(False), lambda: deconv([1, 1, 1, 1]),
                                  lambda: deconv([1, 0, 2, 1]), gemm],
                         ids=["conv", "conv_no_bias", "deconv_same", "deconv_cropped", "gemm"])
def test_batch_norm_folds_into_the_layer(make):
    b, y = make()
    case = FoldCase(b, [y], NAME)
    layer = next(n for n in case.graph.nodes() if n.op in ("conv2d", "conv2d_transpose", "dense"))
    assert case.run() is True
    assert "batch_norm" not in case.ops()
    assert len(layer.inputs) == 3 and layer.outputs == [y]          # a bias, and the batch norm's result
    from passes.pipeline import DEFAULT_PIPELINE
    from passes.registry import PASSES
    for later in DEFAULT_PIPELINE[DEFAULT_PIPELINE.index(NAME) + 1:]:
        PASSES[later](case.graph)
    case.check()
    assert "BatchNormalization" not in [layer.class_name for layer in lower(case.graph).layers]


def test_dense_stem_of_a_generator_folds_after_the_columns_are_permuted():
    """Gemm -> BN -> Relu -> Reshape -> Conv: fold-reshape-into-dense reorders the dense
    columns and the BN parameters together; the fold must use them in that order."""
    b = OnnxBuilder((1, 10))
    h = with_bn(b, b.node("Gemm", ["x", b.weight(3 * 4 * 5, 10), b.weight(60)], transB=1), 60)
    h = b.node("Reshape", [b.node("Relu", [h]), b.const(np.array([1, 3, 4, 5], dtype=np.int64))])
    y = b.node("Conv", [h, b.weight(2, 3, 3, 3)], pads=[1, 1, 1, 1])
    case = FoldCase(b, [y], NAME)
    assert case.run() is True
    assert case.ops()[:2] == ["dense", "relu"] and "batch_norm" not in case.ops()


def test_layer_read_twice_keeps_its_batch_norm():
    b = OnnxBuilder(X4)
    c = b.node("Conv", ["x", b.weight(4, 5, 3, 3), b.weight(4)], pads=[1, 1, 1, 1])
    y = with_bn(b, c, 4)
    case = FoldCase(b, [y, b.node("Relu", [c])], NAME)
    case.assert_no_change()
    assert case.rejections() == [f"{NAME}: left %{c}: its result has 2 readers"]


def test_batch_norm_of_a_graph_input_stays():
    b = OnnxBuilder(X4)
    case = FoldCase(b, [with_bn(b, "x", 5)], NAME)
    case.assert_no_change()
