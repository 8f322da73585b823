import numpy as np
import pytest

from tests.onnx_models import batch_norm_params
from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "fold-reshape-into-dense"
N, C, H, W = 1, 4, 3, 5   # batch 1: a batch-N model is imported at batch 1 (irc/frontend/batch.py)


def generator(second_use=None, model_transpose=False):
    """Gemm -> BatchNorm -> Relu -> Reshape to NCHW -> Conv (a DCGAN generator's head).
    second_use: 'dense' or 'relu' also feeds a second Gemm that is a graph output."""
    b = OnnxBuilder((N, 7))
    d = b.node("Gemm", ["x", b.weight(C * H * W, 7), b.weight(C * H * W)], transB=1)
    r = b.node("Relu", [b.node("BatchNormalization", [d, *batch_norm_params(b, C * H * W)])])
    h = b.node("Reshape", [r, b.const(np.array([N, C, H, W], np.int64))])
    if model_transpose:            # the model's own Transpose: the axes get a new meaning
        outputs = [b.node("Relu", [b.node("Transpose", [h], perm=[0, 2, 3, 1])])]
    else:
        outputs = [b.node("Conv", [h, b.weight(6, C, 3, 3)], pads=[1, 1, 1, 1])]
    if second_use:
        outputs.append(b.node("Gemm", [{"dense": d, "relu": r}[second_use], b.weight(3, C * H * W)], transB=1))
    return PassCase(b, outputs, NAME)


def test_dense_emits_channels_last_features_and_the_transpose_goes():
    case = generator()
    assert case.ops() == ["dense", "batch_norm", "relu", "reshape", "transpose", "conv2d"]
    assert case.run() is True
    assert case.ops() == ["dense", "batch_norm", "relu", "reshape", "conv2d"]
    dense, reshape = case.only("dense"), case.only("reshape")
    assert dense.attrs["features"] == "(H3W5C4)"
    assert case.value(dense.outputs[0]).layout == "N(H3W5C4)"
    assert case.value(case.only("relu").outputs[0]).layout == "N(H3W5C4)"
    assert reshape.attrs == {"shape": [N, H, W, C], "layout": "NHWC"}
    assert case.only("conv2d").inputs[0] == reshape.outputs[0] == "reshape4"


@pytest.mark.parametrize("second_use, value", [("dense", "gemm1"), ("relu", "relu3")])
def test_not_when_a_result_on_the_way_has_a_second_consumer(second_use, value):
    case = generator(second_use=second_use)
    case.assert_no_change()
    assert case.rejections() == [f"{NAME}: left %reshape4: %{value}: its result has 2 readers"]


def test_not_for_the_models_own_transpose():
    generator(model_transpose=True).assert_no_change()
