"""Concatenate, and the layer chaining the multi-layer rules here share.

Keras counts a positive Concatenate axis with the batch axis, as the IR does. (Keras.js
1.0's WebGL path concatenates along the last axis only: its target wraps other axes in
Permutes, irc/targets/kerasjs/concat_permutes.py.)"""

from irc.lower.keras_graph import KerasLayer
from irc.lower.registry import lowering
from irc.lower.rules.common import require


def chain(ctx, node, class_name, config, inbound, label):
    """Add a layer reading the layers named `inbound` (rather than IR values, as
    ctx.add_layer does): the inner layers of a rule that needs several."""
    layer = KerasLayer(ctx.name(label), class_name, config, list(inbound), [], node.origin)
    ctx.layers.append(layer)
    return layer


@lowering("concat")
def concat(ctx, node):
    axis = node.attrs["axis"]
    rank = len(ctx.value(node).shape)
    require(ctx, node, 0 < axis < rank, f"axis {axis} is the batch axis or out of range")
    require(ctx, node, len(ctx.activation_inputs(node)) == len(node.inputs),
            "concatenating a constant (Keras.js has no constant layer)")
    return ctx.add_layer(node, "Concatenate", {"axis": axis}, label="concat")
