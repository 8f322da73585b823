"""interleave2d: the phases of a strided transposed convolution woven into one image.

Inputs: sh*sw tensors [N, H, W, C] @NHWC in row-major phase order (a, b); attrs: strides
[sh, sw]. Output [N, sh*H, sw*W, C] with out[:, sh*m + a, sw*k + b, :] = phase(a, b)[:, m, k, :]
(a pixel shuffle / depth-to-space of the phases)."""

import numpy as np

from irc.ir.ops.registry import op


def _interleave_infer(node, vals):
    sh, sw = node.attrs["strides"]
    if len(vals) != sh * sw:
        raise ValueError(f"interleave2d with strides {[sh, sw]} takes {sh * sw} phases, got {len(vals)}")
    first = vals[0]
    if first.layout != "NHWC" or any(v.shape != first.shape or v.layout != first.layout for v in vals):
        raise ValueError("interleave2d phases must share one NHWC shape: "
                         + ", ".join(f"{list(v.shape)} @{v.layout}" for v in vals))
    n, h, w, c = first.shape
    return [((n, sh * h, sw * w, c), "NHWC")]


def _interleave_eval(node, arrays, vals):
    sh, sw = node.attrs["strides"]
    n, h, w, c = arrays[0].shape
    out = np.empty((n, sh * h, sw * w, c), arrays[0].dtype)
    for index, phase in enumerate(arrays):
        a, b = divmod(index, sw)
        out[:, a::sh, b::sw, :] = phase
    return [out]


op("interleave2d", _interleave_infer, _interleave_eval, layout="channels_last")
