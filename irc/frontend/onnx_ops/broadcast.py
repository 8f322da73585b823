"""Expand and Tile: an activation copied along axes, with constant shapes and repeats.

Both become the IR's `expand` (numpy broadcasting of size-1 axes, lowered to RepeatVector,
Reshape and Permute) after a rank-raising reshape, as broadcasting arithmetic does; Tile
along an axis longer than 1 is a Concatenate of copies. Squeeze-and-excitation blocks
written x * expand(sigmoid(fc(gap(x)))) (PyTorch's expand_as, Chainer's F.broadcast_to) export so.
"""

import numpy as np

from irc.frontend.onnx_ops.elementwise import broadcast_activation, emit_to_fresh
from irc.frontend.onnx_ops.registry import onnx_op
from irc.ir.layout import SOURCE_ACTIVATION


@onnx_op("Expand")
def expand(ctx, n):
    """ONNX Expand broadcasts both ways: the result has the larger of each pair of sizes."""
    x = ctx.value(n.input[0])
    shape = [int(d) for d in np.asarray(ctx.const_array(n.input[1])).reshape(-1)]
    try:
        out_shape = tuple(int(d) for d in np.broadcast_shapes(x.shape, tuple(shape)))
    except ValueError:
        raise ctx.error(f"cannot expand {list(x.shape)} to {shape}: the shapes do not broadcast") from None
    _check_result(ctx, x, out_shape)
    ctx.emit("identity", [broadcast_activation(ctx, x.name, out_shape)])


@onnx_op("Tile")
def tile(ctx, n):
    if ctx.opset < 6:
        raise ctx.error("Tile before opset 6 (tiles and axis inputs) is not supported")
    x = ctx.value(n.input[0])
    repeats = [int(r) for r in np.asarray(ctx.const_array(n.input[1])).reshape(-1)]
    if len(repeats) != len(x.shape) or any(r < 1 for r in repeats):
        raise ctx.error(f"repeats {repeats} must give a positive count for each of the {len(x.shape)} axes")
    out_shape = tuple(s * r for s, r in zip(x.shape, repeats))
    _check_result(ctx, x, out_shape)
    tiled = x.name
    for axis, (size, count) in enumerate(zip(x.shape, repeats)):
        if size > 1 and count > 1:        # copies side by side; size-1 axes broadcast below
            tiled = emit_to_fresh(ctx, "concat", [tiled] * count, f"tiled{axis}", {"axis": axis})
    ctx.emit("identity", [broadcast_activation(ctx, tiled, out_shape)])


def _check_result(ctx, x, out_shape):
    if len(out_shape) not in SOURCE_ACTIVATION:
        raise ctx.error(f"a result of rank {len(out_shape)} is not supported (ranks 1 to 5)")
    if out_shape[0] != x.shape[0]:
        raise ctx.error(f"{list(x.shape)} -> {list(out_shape)} copies along the batch axis; "
                        "Keras.js runs one sample at a time")
