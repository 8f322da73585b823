"""What every IR op means: output shape and layout, and a numpy reference evaluation.

Semantics follow ONNX; the layout labels say how data is stored. The reference evaluation
moves each input into the op's canonical (ONNX) layout, computes, and moves the result
into the output's layout, so it stays correct whatever passes did to the layouts.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from irc.ir import layout as L


@dataclass
class OpSpec:
    infer: Callable      # (node, [Value]) -> [(shape, layout)]
    evaluate: Callable   # (node, [ndarray], [Value]) -> [ndarray]


OPS = {}


def op(name, infer, evaluate):
    OPS[name] = OpSpec(infer, evaluate)


# ---- helpers ------------------------------------------------------------------
def _canonical(array, value, canonical):
    return L.to_layout(array, value.layout, canonical)


def _spatial_layout(value):
    return L.channels_last("NCHW") if value.layout == "NHWC" else "NCHW"


def _conv_out(size, k, stride, pad_total, dilation):
    return (size + pad_total - dilation * (k - 1) - 1) // stride + 1


def _deconv_out(size, k, stride, pad_total, dilation, output_padding):
    return (size - 1) * stride + dilation * (k - 1) + 1 + output_padding - pad_total


def _nchw_shape(value):
    return tuple(value.shape[i] for i in L.perm(value.layout, "NCHW"))


def _from_nchw_shape(shape, layout):
    return tuple(shape[i] for i in L.perm("NCHW", layout))


def _with_bias_in_layout(y_nchw, arrays, layout):
    """Add the optional bias (third input) and store the result in the input's layout."""
    if len(arrays) > 2:
        y_nchw = y_nchw + arrays[2].reshape(1, -1, 1, 1)
    return L.to_layout(y_nchw.astype(np.float32), "NCHW", layout)


# ---- conv2d ------------------------------------------------------------------
def _conv_infer(node, vals):
    x, w = vals[0], vals[1]
    n, _, h, wd = _nchw_shape(x)
    o, _, kh, kw = (w.shape[i] for i in L.perm(w.layout, "OIHW"))
    a = node.attrs
    out = (n, o,
           _conv_out(h, kh, a["strides"][0], a["pads"][0] + a["pads"][2], a["dilations"][0]),
           _conv_out(wd, kw, a["strides"][1], a["pads"][1] + a["pads"][3], a["dilations"][1]))
    return [(_from_nchw_shape(out, x.layout), x.layout)]


def _conv_eval(node, arrays, vals):
    x = _canonical(arrays[0], vals[0], "NCHW").astype(np.float64)
    w = _canonical(arrays[1], vals[1], "OIHW").astype(np.float64)
    a = node.attrs
    t, l, b, r = a["pads"]
    x = np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)))
    (sh, sw), (dh, dw), groups = a["strides"], a["dilations"], a["group"]
    o, i_per_group, kh, kw = w.shape
    n, _, h, wd = x.shape
    oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (wd - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, o, oh, ow))
    o_per_group = o // groups
    for g in range(groups):
        xg = x[:, g * i_per_group:(g + 1) * i_per_group]
        wg = w[g * o_per_group:(g + 1) * o_per_group]
        for i in range(kh):
            for j in range(kw):
                patch = xg[:, :, i * dh:i * dh + sh * oh:sh, j * dw:j * dw + sw * ow:sw]
                y[:, g * o_per_group:(g + 1) * o_per_group] += np.einsum("nchw,oc->nohw", patch, wg[:, :, i, j])
    return [_with_bias_in_layout(y, arrays, vals[0].layout)]


op("conv2d", _conv_infer, _conv_eval)


# ---- conv2d_transpose ----------------------------------------------------------
def _deconv_infer(node, vals):
    x, w = vals[0], vals[1]
    n, _, h, wd = _nchw_shape(x)
    _, o, kh, kw = (w.shape[i] for i in L.perm(w.layout, "IOHW"))
    a = node.attrs
    out = (n, o * a["group"],
           _deconv_out(h, kh, a["strides"][0], a["pads"][0] + a["pads"][2], a["dilations"][0], a["output_padding"][0]),
           _deconv_out(wd, kw, a["strides"][1], a["pads"][1] + a["pads"][3], a["dilations"][1], a["output_padding"][1]))
    return [(_from_nchw_shape(out, x.layout), x.layout)]


def _deconv_eval(node, arrays, vals):
    if node.attrs["group"] != 1:
        raise NotImplementedError("reference conv2d_transpose supports group=1")
    x = _canonical(arrays[0], vals[0], "NCHW").astype(np.float64)
    w = _canonical(arrays[1], vals[1], "IOHW").astype(np.float64)
    a = node.attrs
    (sh, sw), (dh, dw) = a["strides"], a["dilations"]
    n, _, h, wd = x.shape
    _, o, kh, kw = w.shape
    full_h, full_w = (h - 1) * sh + dh * (kh - 1) + 1, (wd - 1) * sw + dw * (kw - 1) + 1
    y = np.zeros((n, o, full_h + a["output_padding"][0], full_w + a["output_padding"][1]))
    for i in range(kh):
        for j in range(kw):
            y[:, :, i * dh:i * dh + sh * h:sh, j * dw:j * dw + sw * wd:sw] += np.einsum("nchw,co->nohw", x, w[:, :, i, j])
    t, l, b, r = a["pads"]
    y = y[:, :, t:y.shape[2] - b, l:y.shape[3] - r]
    return [_with_bias_in_layout(y, arrays, vals[0].layout)]


op("conv2d_transpose", _deconv_infer, _deconv_eval)


# ---- dense ------------------------------------------------------------------------
def _dense_infer(node, vals):
    x, w = vals[0], vals[1]
    out_features = w.shape[L.axes(w.layout).index("O")]
    # `features` records an output order other than the source's (see fold-reshape-into-dense)
    return [((x.shape[0], out_features), "N" + node.attrs.get("features", "C"))]


def _dense_eval(node, arrays, vals):
    w = _canonical(arrays[1], vals[1], "OI").astype(np.float64)
    y = arrays[0].astype(np.float64) @ w.T
    if len(arrays) > 2:
        y = y + arrays[2]
    return [y.astype(np.float32)]


op("dense", _dense_infer, _dense_eval)


# ---- batch_norm ---------------------------------------------------------------------
def _same_as_input(node, vals):
    return [(vals[0].shape, vals[0].layout)]


def _batch_norm_eval(node, arrays, vals):
    x, gamma, beta, mean, var = arrays
    axis = L.channel_axis(vals[0].layout)
    shape = [1] * x.ndim
    shape[axis] = -1
    scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + node.attrs["epsilon"])
    y = (x - mean.reshape(shape)) * scale.reshape(shape) + beta.reshape(shape)
    return [y.astype(np.float32)]


op("batch_norm", _same_as_input, _batch_norm_eval)


# ---- elementwise activations ----------------------------------------------------------
def _unary(fn):
    return lambda node, arrays, vals: [fn(node, arrays[0].astype(np.float64)).astype(np.float32)]


op("relu", _same_as_input, _unary(lambda n, x: np.maximum(x, 0)))
op("sigmoid", _same_as_input, _unary(lambda n, x: 1 / (1 + np.exp(-x))))
op("tanh", _same_as_input, _unary(lambda n, x: np.tanh(x)))
op("leaky_relu", _same_as_input, _unary(lambda n, x: np.where(x >= 0, x, n.attrs["alpha"] * x)))
op("elu", _same_as_input, _unary(lambda n, x: np.where(x >= 0, x, n.attrs["alpha"] * (np.exp(x) - 1))))


def _softmax_eval(node, arrays, vals):
    x = arrays[0].astype(np.float64)
    e = np.exp(x - x.max(axis=node.attrs["axis"], keepdims=True))
    return [(e / e.sum(axis=node.attrs["axis"], keepdims=True)).astype(np.float32)]


op("softmax", _same_as_input, _softmax_eval)


def _add_infer(node, vals):
    if vals[0].shape != vals[1].shape or vals[0].layout != vals[1].layout:
        raise ValueError(f"add of {vals[0].shape} @{vals[0].layout} and {vals[1].shape} @{vals[1].layout}")
    return _same_as_input(node, vals)


op("add", _add_infer, lambda node, arrays, vals: [arrays[0] + arrays[1]])


# ---- data movement: these act on the data as stored ---------------------------------
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


op("identity", _same_as_input, lambda node, arrays, vals: [arrays[0]])


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


op("crop2d", _crop_pad_infer(-1), _crop_eval)
op("zero_pad2d", _crop_pad_infer(+1), _pad_eval)
