"""Ops that act element by element (per channel for batch_norm): any layout works."""

import numpy as np

from irc.ir import layout as L
from irc.ir.ops import op
from irc.ir.ops.common import same_as_input


def _batch_norm_eval(node, arrays, vals):
    x, gamma, beta, mean, var = arrays
    axis = L.channel_axis(vals[0].layout)
    shape = [1] * x.ndim
    shape[axis] = -1
    scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + node.attrs["epsilon"])
    y = (x - mean.reshape(shape)) * scale.reshape(shape) + beta.reshape(shape)
    return [y.astype(np.float32)]


op("batch_norm", same_as_input, _batch_norm_eval, layout="free")


# ---- elementwise activations ----------------------------------------------------------
def _unary(fn):
    return lambda node, arrays, vals: [fn(node, arrays[0].astype(np.float64)).astype(np.float32)]


op("relu", same_as_input, _unary(lambda n, x: np.maximum(x, 0)), layout="free")
op("sigmoid", same_as_input, _unary(lambda n, x: 1 / (1 + np.exp(-x))), layout="free")
op("tanh", same_as_input, _unary(lambda n, x: np.tanh(x)), layout="free")
op("leaky_relu", same_as_input, _unary(lambda n, x: np.where(x >= 0, x, n.attrs["alpha"] * x)), layout="free")
op("elu", same_as_input, _unary(lambda n, x: np.where(x >= 0, x, n.attrs["alpha"] * (np.exp(x) - 1))), layout="free")


def _softmax_eval(node, arrays, vals):
    x = arrays[0].astype(np.float64)
    e = np.exp(x - x.max(axis=node.attrs["axis"], keepdims=True))
    return [(e / e.sum(axis=node.attrs["axis"], keepdims=True)).astype(np.float32)]


op("softmax", same_as_input, _softmax_eval)


def _add_infer(node, vals):
    if vals[0].shape != vals[1].shape or vals[0].layout != vals[1].layout:
        raise ValueError(f"add of {vals[0].shape} @{vals[0].layout} and {vals[1].shape} @{vals[1].layout}")
    return same_as_input(node, vals)


op("add", _add_infer, lambda node, arrays, vals: [arrays[0] + arrays[1]], layout="free")




op("identity", same_as_input, lambda node, arrays, vals: [arrays[0]], layout="free")
