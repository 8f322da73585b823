import numpy as np
import pytest

from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "fold-flatten-into-dense"
N, C, H, W = 1, 4, 6, 5   # batch 1: a batch-N model is imported at batch 1 (irc/frontend/batch.py)


def conv_flatten_dense(reshape_to=None, second_use=False):
    """Conv -> Flatten (or Reshape to `reshape_to`) -> Gemm; second_use: the flattened
    features also feed a second Gemm."""
    b = OnnxBuilder((N, 3, H, W))
    c = b.node("Conv", ["x", b.weight(C, 3, 3, 2), b.weight(C)], pads=[1, 0, 1, 1])
    if reshape_to is None:
        f, features = b.node("Flatten", [c]), C * H * W
    else:
        f, features = b.node("Reshape", [c, b.const(np.array(reshape_to, np.int64))]), reshape_to[1]
    outputs = [b.node("Gemm", [f, b.weight(7, features), b.weight(7)], transB=1)]
    if second_use:
        outputs.append(b.node("Gemm", [f, b.weight(3, features)], transB=1))
    return PassCase(b, outputs, NAME)


@pytest.mark.parametrize("reshape_to", [None, [N, C * H * W]], ids=["flatten", "reshape"])
def test_flattens_nhwc_directly(reshape_to):
    case = conv_flatten_dense(reshape_to)
    assert "transpose" in case.ops()
    assert case.run() is True
    assert "transpose" not in case.ops()
    f = case.graph.consumers("conv1")[0]
    assert case.value(f.outputs[0]).layout == "N(H6W5C4)"
    assert case.graph.consumers(f.outputs[0]) == [case.only("dense")]
    w = case.value(case.only("dense").inputs[1])
    assert (w.layout, w.shape) == ("IO", (C * H * W, 7))


def test_not_when_the_flattened_features_have_a_second_consumer():
    conv_flatten_dense(second_use=True).assert_no_change()


def test_not_for_a_reshape_that_does_not_keep_the_batch_axis():
    case = conv_flatten_dense([N * C, H * W])
    case.assert_no_change()
    assert case.rejections() == [f"{NAME}: left %reshape2: the reshape to {[N * C, H * W]} does not flatten "
                                 "each sample"]
