"""Layout labels: a letter per axis ("NCHW"), or a parenthesised group for an axis that is
several axes flattened in that order ("N(HWC)" = 2D, features ordered h, w, c)."""

import re

import numpy as np

SOURCE_ACTIVATION = {1: "C", 2: "NC", 3: "NCW", 4: "NCHW", 5: "NCDHW"}


def axes(layout):
    """'N(HWC)' -> ['N', '(HWC)']; 'NCHW' -> ['N', 'C', 'H', 'W']."""
    return re.findall(r"\([A-Z]+\)|[A-Z]", layout)


def perm(src, dst):
    """The perm with data_in_dst = data_in_src.transpose(perm)."""
    src_axes, dst_axes = axes(src), axes(dst)
    if sorted(src_axes) != sorted(dst_axes):
        raise ValueError(f"layouts {src} and {dst} do not hold the same axes")
    return tuple(src_axes.index(a) for a in dst_axes)


def transposed(layout, permutation):
    parts = axes(layout)
    return "".join(parts[p] for p in permutation)


def to_layout(array, src, dst):
    return array if src == dst else np.transpose(array, perm(src, dst))


def channels_last(layout):
    """NCHW -> NHWC, NCW -> NWC; 2D and grouped layouts have no spatial axes to move."""
    parts = axes(layout)
    if len(parts) < 3 or parts[:2] != ["N", "C"]:
        return layout
    return "".join(["N"] + parts[2:] + ["C"])


def is_spatial(layout):
    return len(axes(layout)) >= 3 and "C" in axes(layout) and layout[0] == "N"


def channel_axis(layout):
    """The axis per-channel parameters (batch norm, bias) apply to: 'C', or a flattened group."""
    parts = axes(layout)
    if "C" in parts:
        return parts.index("C")
    if len(parts) == 2:
        return 1
    raise ValueError(f"layout {layout} has no channel axis")


def group_letters(layout, axis):
    """'(HWC)' -> 'HWC'; a plain axis letter -> that letter."""
    return axes(layout)[axis].strip("()")
