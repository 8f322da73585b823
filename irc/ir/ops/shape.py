"""Data movement: these act on the data as stored (reshape, flatten, transpose) or on the
axes their labels name (crop2d, zero_pad2d)."""

import numpy as np

from irc.ir import layout as L
from irc.ir.ops.registry import op


def _reshape_infer(node, vals):
    return [(tuple(node.attrs["shape"]), node.attrs["layout"])]


op("reshape", _reshape_infer, lambda node, arrays, vals: [arrays[0].reshape(node.attrs["shape"])])


def _flatten_infer(node, vals):
    x = vals[0]
    return [((x.shape[0], int(np.prod(x.shape[1:]))), L.flattened(x.layout, x.shape))]


op("flatten", _flatten_infer, lambda node, arrays, vals: [arrays[0].reshape(arrays[0].shape[0], -1)])


def _transpose_infer(node, vals):
    """`layout` names the result: the permuted letters when a pass moves data between
    layouts, the canonical layout when an ONNX Transpose gives axes a new meaning."""
    p = node.attrs["perm"]
    return [(tuple(vals[0].shape[i] for i in p), node.attrs["layout"])]


op("transpose", _transpose_infer, lambda node, arrays, vals: [np.transpose(arrays[0], node.attrs["perm"])])


# ---- spatial crop and zero-pad: [top, bottom, left, right] on the H and W axes --------------
def _hw_axes(value):
    parts = L.axes(value.layout)
    return parts.index("H"), parts.index("W")


def _crop_pad_infer(sign):
    def infer(node, vals):
        x = vals[0]
        h, w = _hw_axes(x)
        t, b, left, r = node.attrs["amounts"]
        shape = list(x.shape)
        shape[h] += sign * (t + b)
        shape[w] += sign * (left + r)
        return [(tuple(shape), x.layout)]
    return infer


def _crop_eval(node, arrays, vals):
    h, w = _hw_axes(vals[0])
    t, b, left, r = node.attrs["amounts"]
    index = [slice(None)] * arrays[0].ndim
    index[h] = slice(t, arrays[0].shape[h] - b)
    index[w] = slice(left, arrays[0].shape[w] - r)
    return [arrays[0][tuple(index)]]


def _pad_eval(node, arrays, vals):
    h, w = _hw_axes(vals[0])
    t, b, left, r = node.attrs["amounts"]
    widths = [(0, 0)] * arrays[0].ndim
    widths[h], widths[w] = (t, b), (left, r)
    return [np.pad(arrays[0], widths)]


op("crop2d", _crop_pad_infer(-1), _crop_eval, layout="free")
op("zero_pad2d", _crop_pad_infer(+1), _pad_eval, layout="free")
