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
