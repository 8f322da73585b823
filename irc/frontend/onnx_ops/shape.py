"""Constants and data movement: Constant, Reshape, Flatten, Transpose."""

import numpy as np
from onnx import numpy_helper

from irc.frontend.onnx_import import onnx_op
from irc.frontend.onnx_ops.common import attrs_of
from irc.ir.layout import SOURCE_ACTIVATION


@onnx_op("Constant")
def constant(ctx, n):
    a = attrs_of(n)
    if "value" not in a:
        raise ctx.error(f"Constant with {sorted(a)} is not supported (only 'value')")
    ctx.add_constant(n.output[0], numpy_helper.to_array(a["value"]))


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
    if len(target) not in SOURCE_ACTIVATION:
        raise ctx.error(f"reshape to rank {len(target)} is not supported")
    ctx.emit("reshape", [n.input[0]], {"shape": target, "layout": SOURCE_ACTIVATION[len(target)]})


@onnx_op("Flatten")
def flatten(ctx, n):
    if attrs_of(n).get("axis", 1) != 1:
        raise ctx.error("Flatten is supported with axis=1 only")
    ctx.emit("flatten", [n.input[0]])


@onnx_op("Transpose")
def transpose(ctx, n):
    rank = len(ctx.value(n.input[0]).shape)
    perm = list(attrs_of(n).get("perm", list(range(rank))[::-1]))
    ctx.emit("transpose", [n.input[0]], {"perm": perm, "layout": SOURCE_ACTIVATION[rank]})
