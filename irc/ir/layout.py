"""Layout labels: a letter per axis ("NCHW"), or a parenthesised group for an axis that is
several axes flattened in that order, each with its size ("N(H4W4C64)": 2D, 1024 features
ordered h, w, c), so the data can always be put back into the source order."""

import re

import numpy as np

SOURCE_ACTIVATION = {1: "C", 2: "NC", 3: "NCW", 4: "NCHW", 5: "NCDHW"}


def axes(layout):
    """'N(H4W4C64)' -> ['N', '(H4W4C64)']; 'NCHW' -> ['N', 'C', 'H', 'W']."""
    return re.findall(r"\([A-Z0-9]+\)|[A-Z]", layout)


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
    """'(H4W4C64)' -> 'HWC'; a plain axis letter -> that letter."""
    return re.sub(r"[()0-9]", "", axes(layout)[axis])


def flattened(layout, shape):
    """The 2D layout of `shape` @`layout` flattened after the batch axis: 'N(H4W4C64)'."""
    parts = axes(layout)
    if len(parts) == 2:
        return layout
    return "N(" + "".join(f"{a}{n}" for a, n in zip(parts[1:], shape[1:])) + ")"


def to_source(array, layout):
    """Data stored @layout, put in the source framework's order (NCHW, NC, ...)."""
    parts = axes(layout)
    if len(parts) == 2 and parts[1].startswith("("):
        letters_sizes = re.findall(r"([A-Z])(\d+)", parts[1])
        letters = "N" + "".join(a for a, _ in letters_sizes)
        unflat = array.reshape(array.shape[0], *[int(n) for _, n in letters_sizes])
        return to_layout(unflat, letters, SOURCE_ACTIVATION[len(letters)]).reshape(array.shape[0], -1)
    return to_layout(array, layout, SOURCE_ACTIVATION[len(parts)])
