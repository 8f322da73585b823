"""The forms of a grouped convolution targets choose between (irc/lower/grouped.py,
irc/targets/kerasjs/grouped.py) compute the same numbers, in numpy: the block-diagonal Conv2D
and Keras.js's SeparableConv2D (depthwise step, then the 0/1 pointwise kernel)."""

import numpy as np
import pytest

from irc.lower.grouped import block_diagonal, spanned_kernel, ungrouped
from irc.lower.keras_graph import KerasLayer
from irc.targets.kerasjs.grouped import separable


def conv(x, kernel, dilation=(1, 1)):
    """'valid' convolution of x (H, W, C) with kernel (kh, kw, C, F)."""
    kernel = spanned_kernel(kernel, dilation)
    kh, kw = kernel.shape[:2]
    h, w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    return sum(np.einsum("hwc,cf->hwf", x[r:r + h, c:c + w], kernel[r, c]) for r in range(kh) for c in range(kw))


def depthwise(x, kernel):
    """Keras's depthwise step: kernel (kh, kw, C, M), output channel c * M + m."""
    kh, kw, channels, multiplier = kernel.shape
    h, w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = sum(x[r:r + h, c:c + w, :, None] * kernel[r, c] for r in range(kh) for c in range(kw))
    return out.reshape(h, w, channels * multiplier)


def layer(class_name, kernel, config):
    param = "depthwise_kernel" if class_name == "DepthwiseConv2D" else "kernel"
    return KerasLayer("g", class_name, {"padding": "valid", **config}, ["x"], [(param, kernel)])


CASES = {    # name: (layer, groups)
    "groups-3": (lambda rng: layer("Conv2D", rng.standard_normal((3, 3, 2, 9)), {"groups": 3, "filters": 9}), 3),
    "groups-2-dilated": (lambda rng: layer("Conv2D", rng.standard_normal((2, 3, 3, 4)),
                                           {"groups": 2, "filters": 4, "dilation_rate": [2, 1]}), 2),
    "depthwise-multiplier-2": (lambda rng: layer("DepthwiseConv2D", rng.standard_normal((3, 2, 6, 2)),
                                                 {"depth_multiplier": 2}), 6),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_separable_and_block_diagonal_forms_agree(case):
    rng = np.random.default_rng(0)
    grouped, _ = CASES[case]
    grouped = grouped(rng)
    x = rng.standard_normal((9, 8, 6))
    full = ungrouped(grouped)
    expected = conv(x, dict(full.weights)["kernel"], full.config.get("dilation_rate", (1, 1)))
    sep = separable(grouped)
    weights = dict(sep.weights)
    pointwise = weights["pointwise_kernel"]
    assert pointwise.dtype == np.uint8 and set(np.unique(pointwise)) <= {0, 1}
    got = depthwise(x, weights["depthwise_kernel"]) @ pointwise[0, 0]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert sep.config["filters"] == full.config["filters"] == expected.shape[-1]


def test_block_diagonal_keeps_each_group_to_its_inputs():
    kernel = np.arange(1, 1 + 2 * 2 * 3 * 4, dtype=np.float32).reshape(2, 2, 3, 4)     # 2 groups, 3 in, 2 out each
    full = block_diagonal(kernel, 2)
    assert full.shape == (2, 2, 6, 4)
    np.testing.assert_array_equal(full[:, :, :3, :2], kernel[:, :, :, :2])
    np.testing.assert_array_equal(full[:, :, 3:, 2:], kernel[:, :, :, 2:])
    assert not np.any(full[:, :, :3, 2:]) and not np.any(full[:, :, 3:, :2])
