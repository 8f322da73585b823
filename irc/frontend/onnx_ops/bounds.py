"""Clip, Abs and Neg, exactly, from Keras.js merges and affine maps.

Keras.js 1.0 has no clip (relu6) or abs activation, and its Maximum/Minimum merges take
activations only, so a bound c becomes an activation: fill(x, c) = x * 0 + c, an affine map (a
BatchNormalization with gamma 0 and beta c) that is exactly c for every finite x. Then
clip(x, lo, hi) = Minimum(Maximum(x, fill(lo)), fill(hi)), with relu for lo = 0, and
abs(x) = Maximum(x, -x). Every step rounds nothing, so the results are ONNX Runtime's bit for
bit for finite inputs (an infinite input gives NaN: inf * 0 is NaN).
"""

import numpy as np

from irc.frontend.onnx_ops.common import attrs_of, optional_input
from irc.frontend.onnx_ops.elementwise import emit_to_fresh, fill, operand_array
from irc.frontend.onnx_ops.registry import onnx_op

FLOAT32_MAX = float(np.finfo(np.float32).max)


@onnx_op("Clip")
def clip(ctx, n):
    low, high = _clip_bounds(ctx, n)
    steps = [(op, bound) for op, bound in (("max", low), ("min", high)) if np.isfinite(bound)]
    result = n.input[0]
    if not steps:
        ctx.emit("identity", [result])
    for i, (op, bound) in enumerate(steps):
        out = n.output[0] if i == len(steps) - 1 else ctx.graph.fresh_name(f"{n.output[0]}.{op}")
        if op == "max" and bound == 0:
            ctx.emit("relu", [result], outputs=[out])
        else:       # filled from `result`, so a relu before it can still fuse into its layer
            ctx.emit(op, [result, fill(ctx, result, bound)], outputs=[out])
        result = out


def _clip_bounds(ctx, n):
    """(min, max) from the attributes (opset < 11) or the optional inputs; +-inf if absent.
    ONNX's result for min > max, max everywhere, is what Minimum(Maximum(...)) gives."""
    a = attrs_of(n)
    low, high = a.get("min", -np.inf), a.get("max", np.inf)
    if ctx.opset >= 11:
        low = _scalar_input(ctx, n, 1, -np.inf)
        high = _scalar_input(ctx, n, 2, np.inf)
    # The float32 range's ends (the opset 6 defaults) clip nothing.
    return (-np.inf if low <= -FLOAT32_MAX else low), (np.inf if high >= FLOAT32_MAX else high)


def _scalar_input(ctx, n, i, default):
    name = optional_input(n, i)
    if name is None:
        return default
    array = np.asarray(ctx.const_array(name), np.float32)
    if array.size != 1:
        raise ctx.error(f"input {name} must be a scalar, got shape {list(array.shape)}")
    return float(array.reshape(()))


def _negate(ctx, x, out=None):
    """x * -1 (arith-to-affine makes it a BatchNormalization), exact."""
    minus_one = operand_array(ctx, f"{ctx.onnx_node.output[0]}.minus_one", np.float32(-1), ctx.value(x))
    if out is None:
        return emit_to_fresh(ctx, "mul", [x, minus_one], "negated")
    ctx.emit("mul", [x, minus_one], outputs=[out])
    return out


@onnx_op("Neg")
def neg(ctx, n):
    _negate(ctx, n.input[0], n.output[0])


@onnx_op("Abs")
def abs_(ctx, n):
    ctx.emit("max", [n.input[0], _negate(ctx, n.input[0])])
