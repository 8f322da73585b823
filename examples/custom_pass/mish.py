"""An irc plugin: ONNX's Mish activation, which irc does not know, compiled to layers
Keras.js has. Load it with `irc compile model.onnx --passes examples/custom_pass/mish.py`.

    mish(x) = x * tanh(softplus(x))        (ONNX Mish, opset 18)

Three registrations, one per stage of the compiler:
  1. an IR op `mish`: its shape/layout rule and a numpy reference (what `irc check` and the
     per-pass checks compare against);
  2. an ONNX handler: ONNX node `Mish` -> IR op `mish`;
  3. a lowering: IR op `mish` -> Keras layers Activation(softplus) -> Activation(tanh) ->
     Multiply with the input.
"""

import numpy as np

from irc.api import lowering, onnx_op, op, same_as_input


def _mish_reference(node, arrays, values):
    x = arrays[0].astype(np.float64)
    return [(x * np.tanh(np.logaddexp(0, x))).astype(np.float32)]    # logaddexp: softplus without overflow


# 1. Elementwise, so it works in whatever layout its input has ("free"): to-channels-last
#    leaves it alone and the output keeps the input's shape and layout.
op("mish", same_as_input, _mish_reference, layout="free")


# 2. The ONNX node has one input and no attributes.
@onnx_op("Mish")
def import_mish(ctx, onnx_node):
    ctx.emit("mish", [onnx_node.input[0]])


# 3. Keras.js has softplus and tanh activations and a Multiply merge layer. The last layer
#    added is the one whose output is the op's result.
@lowering("mish")
def lower_mish(ctx, node):
    x = ctx.producer[node.inputs[0]]
    softplus = ctx.add_layer(node, "Activation", {"activation": "softplus"}, label="mish_softplus")
    tanh = ctx.add_layer(node, "Activation", {"activation": "tanh"}, inbound=[softplus.name], label="mish_tanh")
    return ctx.add_layer(node, "Multiply", {}, inbound=[x, tanh.name], label="mish")
