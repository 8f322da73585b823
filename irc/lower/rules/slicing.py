"""slice as Cropping2D, the only slicing layer every target has (Keras.js 1.0, 0.3.0, TF.js,
Keras 3).

A rank-3 sample (H, W, C) sliced on its first or second axis is one Cropping2D. Any other
slice views the sample as (before, axis, after), with the axes before and after the sliced
one each merged into one, and crops the middle: Reshape -> Cropping2D -> Reshape. Only
channels_last cropping is used: Keras.js's CPU channels_first Cropping2D returns a
transposed view, which its Reshape (a copy of the raw buffer) would read scrambled."""

import math

from irc.ir import layout as L
from irc.lower.registry import lowering
from irc.lower.rules.common import require
from irc.lower.rules.concat import chain


@lowering("slice")
def slice_(ctx, node):
    x = ctx.value(node)
    axis = L.axes(x.layout).index(node.attrs["axis"])
    require(ctx, node, axis > 0, "a slice of the batch axis")
    sample = list(x.shape[1:])
    begin, end = node.attrs["begin"], node.attrs["end"]
    cut = [begin, sample[axis - 1] - end]
    label = node.label or "slice"
    if len(sample) == 3 and axis < 3:
        cropping = [cut, [0, 0]] if axis == 1 else [[0, 0], cut]
        return ctx.add_layer(node, "Cropping2D", {"cropping": cropping, "data_format": "channels_last"}, label=label)
    view = [math.prod(sample[:axis - 1]), sample[axis - 1], math.prod(sample[axis:])]
    flat = chain(ctx, node, "Reshape", {"target_shape": view}, [ctx.producer[node.inputs[0]]], f"{label}_view")
    crop = chain(ctx, node, "Cropping2D", {"cropping": [[0, 0], cut], "data_format": "channels_last"},
                 [flat.name], f"{label}_crop")
    result = list(ctx.graph.value(node.outputs[0]).shape[1:])
    return chain(ctx, node, "Reshape", {"target_shape": result}, [crop.name], label)
