"""Gemm and MatMul with a constant right operand."""

import numpy as np

from irc.frontend.onnx_ops.common import attrs_of, optional_input
from irc.frontend.onnx_ops.registry import onnx_op
from irc.ir.layout import axes


@onnx_op("Gemm")
def gemm(ctx, n):
    a = attrs_of(n)
    if a.get("transA", 0):
        raise ctx.error("transA=1 is not supported (the input must be the left operand as is)")
    _require_2d(ctx, n.input[0])
    layout = "OI" if a.get("transB", 0) else "IO"
    w_name = _scaled(ctx, n.input[1], a.get("alpha", 1.0))
    inputs = [n.input[0], ctx.weight(w_name, layout)]
    if optional_input(n, 2):
        out_features = ctx.const_array(w_name).shape[axes(layout).index("O")]
        b_name = _scaled(ctx, n.input[2], a.get("beta", 1.0))
        bias = ctx.const_array(b_name)
        if bias.shape != (out_features,):  # Gemm broadcasts C ([1], [1, O], ...); a Keras bias is [O]
            ctx.add_constant(b_name + ".broadcast", np.broadcast_to(bias, (1, out_features)).reshape(-1).copy())
            b_name += ".broadcast"
        inputs.append(ctx.weight(b_name, "C"))
    ctx.emit("dense", inputs)


def _scaled(ctx, name, factor):
    """Gemm's alpha/beta folded into the constant (a new constant only when factor != 1)."""
    if factor == 1.0:
        return name
    ctx.add_constant(name + ".scaled", ctx.const_array(name) * np.float32(factor))
    return name + ".scaled"


@onnx_op("MatMul")
def matmul(ctx, n):
    if ctx.const_array(n.input[1]).ndim != 2:
        raise ctx.error("only a 2D constant right operand is supported")
    _require_2d(ctx, n.input[0])
    ctx.emit("dense", [n.input[0], ctx.weight(n.input[1], "IO")])


def _require_2d(ctx, x):
    if len(ctx.value(x).shape) != 2:
        raise ctx.error(f"expects a 2D input, got {list(ctx.value(x).shape)}")
