"""conv2d and conv2d_transpose (ONNX Conv / ConvTranspose semantics, any layout labels)."""

import numpy as np

from irc.ir import layout as L
from irc.ir.ops.common import apply_activation, canonical, from_nchw_shape, nchw_shape, with_bias_in_layout
from irc.ir.ops.registry import op


def _conv_out(size, k, stride, pad_total, dilation):
    return (size + pad_total - dilation * (k - 1) - 1) // stride + 1


def _deconv_out(size, k, stride, pad_total, dilation, output_padding):
    return (size - 1) * stride + dilation * (k - 1) + 1 + output_padding - pad_total


def _conv_infer(node, vals):
    x, w = vals[0], vals[1]
    n, _, h, wd = nchw_shape(x)
    o, _, kh, kw = (w.shape[i] for i in L.perm(w.layout, "OIHW"))
    a = node.attrs
    out = (n, o,
           _conv_out(h, kh, a["strides"][0], a["pads"][0] + a["pads"][2], a["dilations"][0]),
           _conv_out(wd, kw, a["strides"][1], a["pads"][1] + a["pads"][3], a["dilations"][1]))
    return [(from_nchw_shape(out, x.layout), x.layout)]


def _conv_eval(node, arrays, vals):
    x = canonical(arrays[0], vals[0], "NCHW").astype(np.float64)
    w = canonical(arrays[1], vals[1], "OIHW").astype(np.float64)
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
    return [apply_activation(node, with_bias_in_layout(y, arrays, vals[0].layout))]


op("conv2d", _conv_infer, _conv_eval, layout="channels_last")


# ---- conv2d_transpose ----------------------------------------------------------
def _deconv_infer(node, vals):
    x, w = vals[0], vals[1]
    n, _, h, wd = nchw_shape(x)
    _, o, kh, kw = (w.shape[i] for i in L.perm(w.layout, "IOHW"))
    a = node.attrs
    out = (n, o * a["group"],
           _deconv_out(h, kh, a["strides"][0], a["pads"][0] + a["pads"][2], a["dilations"][0], a["output_padding"][0]),
           _deconv_out(wd, kw, a["strides"][1], a["pads"][1] + a["pads"][3], a["dilations"][1], a["output_padding"][1]))
    return [(from_nchw_shape(out, x.layout), x.layout)]


def _deconv_eval(node, arrays, vals):
    if node.attrs["group"] != 1:
        raise NotImplementedError("reference conv2d_transpose supports group=1")
    x = canonical(arrays[0], vals[0], "NCHW").astype(np.float64)
    w = canonical(arrays[1], vals[1], "IOHW").astype(np.float64)
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
    return [apply_activation(node, with_bias_in_layout(y, arrays, vals[0].layout))]


op("conv2d_transpose", _deconv_infer, _deconv_eval, layout="channels_last")


