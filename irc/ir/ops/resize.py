"""upsample2d: nearest-neighbour upsampling by integer factors on H and W, each pixel
repeated (ONNX Upsample/Resize nearest where the source index is floor(out / scale)).

attrs: scales [sh, sw] (positive integers)."""

import numpy as np

from irc.ir import layout as L
from irc.ir.ops.common import canonical, from_nchw_shape, nchw_shape
from irc.ir.ops.registry import op


def _upsample_infer(node, vals):
    n, c, h, w = nchw_shape(vals[0])
    sh, sw = node.attrs["scales"]
    return [(from_nchw_shape((n, c, h * sh, w * sw), vals[0].layout), vals[0].layout)]


def _upsample_eval(node, arrays, vals):
    sh, sw = node.attrs["scales"]
    x = canonical(arrays[0], vals[0], "NCHW")
    y = np.repeat(np.repeat(x, sh, axis=2), sw, axis=3)
    return [L.to_layout(y, "NCHW", vals[0].layout)]


op("upsample2d", _upsample_infer, _upsample_eval, layout="channels_last")
