"""Reshape, Flatten, Permute, Cropping2D and ZeroPadding2D."""

from irc.lower.registry import lowering
from irc.lower.rules.common import require


@lowering("reshape")
def reshape(ctx, node):
    shape = node.attrs["shape"]
    if list(shape) == list(ctx.value(node).shape):
        return None                                  # nothing moves: no layer
    # A result of the batch axis alone is one value per sample: Keras.js wants a non-empty shape.
    return ctx.add_layer(node, "Reshape", {"target_shape": list(shape[1:]) or [1]}, label="reshape")


@lowering("flatten")
def flatten(ctx, node):
    if len(ctx.value(node).shape) == 2:
        return None
    return ctx.add_layer(node, "Flatten", {}, label="flatten")


@lowering("transpose")
def transpose(ctx, node):
    perm = node.attrs["perm"]
    require(ctx, node, perm[0] == 0, "a transpose that moves the batch axis")
    return ctx.add_layer(node, "Permute", {"dims": list(perm[1:])}, label="permute")


DATA_FORMATS = {"NHWC": "channels_last", "NCHW": "channels_first"}
SPATIAL_EDGES = {"crop2d": ("Cropping2D", "cropping", "crop"), "zero_pad2d": ("ZeroPadding2D", "padding", "pad")}


@lowering(*SPATIAL_EDGES)
def crop_or_pad(ctx, node):
    class_name, key, label = SPATIAL_EDGES[node.op]
    t, b, left, r = node.attrs["amounts"]
    layout = ctx.value(node).layout            # a free op: NCHW after a source-layout op (e.g. reshape)
    require(ctx, node, layout in DATA_FORMATS, f"{node.op} of a @{layout} tensor")
    return ctx.add_layer(node, class_name, {key: [[t, b], [left, r]], "data_format": DATA_FORMATS[layout]},
                         label=label)
