"""Concatenate, and the layer chaining the multi-layer rules here share.

Keras.js counts a positive Concatenate axis with the batch axis (lib/layers/merge/
Concatenate.js: `axis - 1` on the per-sample tensor), as the IR does. Its WebGL path
concatenates 3D tensors only along the last axis, so other axes go through a Permute
that swaps the axis last and back: the same result on the CPU, and a model the browser
can run with gpu: true."""

from irc.lower.keras_graph import KerasLayer
from irc.lower.registry import lowering
from irc.lower.rules.common import require


def chain(ctx, node, class_name, config, inbound, label):
    """Add a layer reading the layers named `inbound` (rather than IR values, as
    ctx.add_layer does): the inner layers of a rule that needs several."""
    layer = KerasLayer(ctx.name(label), class_name, config, list(inbound), [], node.origin)
    ctx.layers.append(layer)
    return layer


def concatenate(ctx, node, inbound, axis, rank, label):
    """Layers concatenating the layers named `inbound` along `axis` (batch axis included);
    returns the last."""
    if rank != 4 or axis == 3:
        return chain(ctx, node, "Concatenate", {"axis": axis}, inbound, label)
    dims = [1, 2, 3]
    dims[axis - 1], dims[2] = 3, axis           # swap the axis with the last one (an involution)
    swapped = [chain(ctx, node, "Permute", {"dims": dims}, [name], f"{label}_in").name for name in inbound]
    joined = chain(ctx, node, "Concatenate", {"axis": 3}, swapped, label)
    return chain(ctx, node, "Permute", {"dims": dims}, [joined.name], f"{label}_out")


@lowering("concat")
def concat(ctx, node):
    axis = node.attrs["axis"]
    rank = len(ctx.value(node).shape)
    require(ctx, node, 0 < axis < rank, f"axis {axis} is the batch axis or out of range")
    inbound = [ctx.producer[i] for i in ctx.activation_inputs(node)]
    require(ctx, node, len(inbound) == len(node.inputs), "concatenating a constant (Keras.js has no constant layer)")
    return concatenate(ctx, node, inbound, axis, rank, "concat")
