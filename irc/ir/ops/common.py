"""Helpers shared by the op definitions."""

import numpy as np

from irc.ir import layout as L


def canonical(array, value, layout):
    """`array`, stored as `value`, moved into `layout`."""
    return L.to_layout(array, value.layout, layout)


def nchw_shape(value):
    return tuple(value.shape[i] for i in L.perm(value.layout, "NCHW"))


def from_nchw_shape(shape, layout):
    return tuple(shape[i] for i in L.perm("NCHW", layout))


def same_as_input(node, vals):
    return [(vals[0].shape, vals[0].layout)]


def with_bias_in_layout(y_nchw, arrays, layout):
    """Add the optional bias (third input) and store the result in the input's layout."""
    if len(arrays) > 2:
        y_nchw = y_nchw + arrays[2].reshape(1, -1, 1, 1)
    return L.to_layout(y_nchw.astype(np.float32), "NCHW", layout)


# Activations a Keras Conv2D / Conv2DTranspose / Dense applies itself (its `activation`
# config), set on the IR node by fuse-activation. Evaluated on the float32 result, as the
# separate relu/sigmoid/tanh/softmax op would have been, so fusing changes no number.
FUSED_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax")


def apply_activation(node, y):
    """y (float32, the layer's result) with the node's `activation` attr applied."""
    name = node.attrs.get("activation", "linear")
    if name == "linear":
        return y
    x = np.asarray(y, dtype=np.float32).astype(np.float64)
    if name == "relu":
        r = np.maximum(x, 0)
    elif name == "sigmoid":
        r = 1 / (1 + np.exp(-x))
    elif name == "tanh":
        r = np.tanh(x)
    elif name == "softmax":                 # over the last (stored) axis, as Keras applies it
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        r = e / e.sum(axis=-1, keepdims=True)
    else:
        raise ValueError(f"node {node.name}: unknown fused activation {name!r}")
    return r.astype(np.float32)
