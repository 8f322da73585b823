"""Constants and data movement: Constant, Reshape, Flatten, Transpose."""

import numpy as np
from onnx import numpy_helper

from irc.frontend.onnx_ops.common import attrs_of
from irc.frontend.onnx_ops.registry import onnx_op
from irc.ir.layout import SOURCE_ACTIVATION

SCALAR_CONSTANTS = {"value_float": np.float32, "value_floats": np.float32,
                    "value_int": np.int64, "value_ints": np.int64}


@onnx_op("Constant")
def constant(ctx, n):
    a = attrs_of(n)
    if "value" in a:
        ctx.add_constant(n.output[0], numpy_helper.to_array(a["value"]))
    elif a.keys() & SCALAR_CONSTANTS.keys():
        key = next(iter(a.keys() & SCALAR_CONSTANTS.keys()))
        ctx.add_constant(n.output[0], np.array(a[key], dtype=SCALAR_CONSTANTS[key]))
    else:
        raise ctx.error(f"Constant with {sorted(a)} is not supported (value, value_float(s), value_int(s))")


@onnx_op("Reshape")
def reshape(ctx, n):
    source = ctx.value(n.input[0]).shape
    target = [int(d) for d in ctx.const_array(n.input[1])]
    allow_zero = attrs_of(n).get("allowzero", 0)
    target = [source[i] if d == 0 and not allow_zero else d for i, d in enumerate(target)]
    if -1 in target:
        known = int(np.prod([d for d in target if d != -1]))
        target[target.index(-1)] = int(np.prod(source)) // known
    if int(np.prod(target)) != int(np.prod(source)):
        raise ctx.error(f"cannot reshape {list(source)} to {target}")
    _emit_reshape(ctx, n, target)


def _emit_reshape(ctx, n, target):
    if len(target) not in SOURCE_ACTIVATION:
        raise ctx.error(f"a result of rank {len(target)} is not supported (ranks 1 to 5)")
    ctx.emit("reshape", [n.input[0]], {"shape": list(target), "layout": SOURCE_ACTIVATION[len(target)]})


def _raw_axes(ctx, n):
    """Squeeze/Unsqueeze axes: an attribute before opset 13, an input from 13 on."""
    if len(n.input) > 1 and n.input[1]:
        return [int(a) for a in ctx.const_array(n.input[1]).reshape(-1)]
    axes = attrs_of(n).get("axes")
    return None if axes is None else list(axes)


@onnx_op("Squeeze")
def squeeze(ctx, n):
    source = list(ctx.value(n.input[0]).shape)
    axes = _raw_axes(ctx, n)
    axes = [i for i, d in enumerate(source) if d == 1] if axes is None else [a % len(source) for a in axes]
    if any(source[a] != 1 for a in axes):
        raise ctx.error(f"cannot squeeze axes {axes} of {source}: not all have size 1")
    _emit_reshape(ctx, n, [d for i, d in enumerate(source) if i not in axes])


@onnx_op("Unsqueeze")
def unsqueeze(ctx, n):
    target = list(ctx.value(n.input[0]).shape)
    axes = _raw_axes(ctx, n) or []
    for axis in sorted(a % (len(target) + len(axes)) for a in axes):   # negative: of the result
        target.insert(axis, 1)
    _emit_reshape(ctx, n, target)


@onnx_op("Flatten")
def flatten(ctx, n):
    source = ctx.value(n.input[0]).shape
    axis = attrs_of(n).get("axis", 1) % (len(source) + 1)
    if axis == 1:
        ctx.emit("flatten", [n.input[0]])     # the per-sample flatten fold-flatten-into-dense knows
    else:
        _emit_reshape(ctx, n, [int(np.prod(source[:axis])), int(np.prod(source[axis:]))])


@onnx_op("Transpose")
def transpose(ctx, n):
    rank = len(ctx.value(n.input[0]).shape)
    perm = list(attrs_of(n).get("perm", list(range(rank))[::-1]))
    if sorted(perm) != list(range(rank)):
        raise ctx.error(f"perm {perm} is not a permutation of the {rank} axes of its input")
    ctx.emit("transpose", [n.input[0]], {"perm": perm, "layout": SOURCE_ACTIVATION[rank]})
