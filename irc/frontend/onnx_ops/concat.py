"""Concat. All-constant inputs (shape arithmetic, e.g. a Reshape target built by Concat)
fold into a constant here; a mix of constants and activations is refused (Keras.js has no
constant layer)."""

import numpy as np

from irc.frontend.onnx_ops.common import attrs_of
from irc.frontend.onnx_ops.registry import onnx_op


@onnx_op("Concat")
def concat(ctx, n):
    inputs = [name for name in n.input if name]
    axis = attrs_of(n).get("axis")
    if axis is None:
        raise ctx.error("Concat needs an axis attribute")
    if all(ctx.is_const(name) for name in inputs):
        ctx.add_constant(n.output[0], np.concatenate([np.asarray(ctx.const_array(i)) for i in inputs], axis=axis))
        return
    constants = [name for name in inputs if ctx.is_const(name)]
    if constants:
        raise ctx.error(f"concatenating constant {', '.join(constants)} with computed tensors is not supported "
                        "(Keras.js has no constant layer)")
    rank = len(ctx.value(inputs[0]).shape)
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        raise ctx.error("Concat along the batch axis is not supported: Keras.js runs one sample at a time")
    if not 0 < axis < rank:
        raise ctx.error(f"axis {attrs_of(n)['axis']} is out of range for rank {rank}")
    ctx.emit("concat", inputs, {"axis": axis})
