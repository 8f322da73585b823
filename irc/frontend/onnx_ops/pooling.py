"""MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool and Pad."""

import numpy as np

from irc.frontend.onnx_ops import conv_nd
from irc.frontend.onnx_ops.channel_reduce import over_channels
from irc.frontend.onnx_ops.common import attrs_of, optional_input
from irc.frontend.onnx_ops.elementwise import emit_to_fresh, scaled
from irc.frontend.onnx_ops.registry import onnx_op
from irc.frontend.onnx_ops.windows import pool_attrs
from irc.ir.layout import SOURCE_ACTIVATION


def _require_nchw(ctx, name):
    value = ctx.value(name)
    if value.layout != "NCHW":
        raise ctx.error(f"expects a 4D NCHW input, got {list(value.shape)}")
    return value


@onnx_op("MaxPool")
def max_pool(ctx, n):
    nd = conv_nd.is_nd(ctx, n.input[0])
    x = ctx.value(n.input[0]) if nd else _require_nchw(ctx, n.input[0])
    ctx.emit("max_pool_nd" if nd else "max_pool2d", [n.input[0]], pool_attrs(ctx, n, x))


@onnx_op("AveragePool")
def average_pool(ctx, n):
    nd = conv_nd.is_nd(ctx, n.input[0])
    x = ctx.value(n.input[0]) if nd else _require_nchw(ctx, n.input[0])
    attrs = pool_attrs(ctx, n, x)
    attrs["count_include_pad"] = int(attrs_of(n).get("count_include_pad", 0))
    ctx.emit("avg_pool_nd" if nd else "avg_pool2d", [n.input[0]], attrs)


@onnx_op("GlobalAveragePool", "GlobalMaxPool")
def global_pool(ctx, n):
    if conv_nd.is_nd(ctx, n.input[0]):
        return conv_nd.global_pool(ctx, n)
    _require_nchw(ctx, n.input[0])
    ctx.emit("global_avg_pool" if n.op_type == "GlobalAveragePool" else "global_max_pool", [n.input[0]])


@onnx_op("ReduceMean", "ReduceMax", "ReduceSum")
def reduce(ctx, n):
    """A mean or max over H and W is global pooling (the dynamo exporter writes
    AdaptiveAvgPool2d((1, 1)) so), as is one over all spatial axes of a 1D or 3D map; over the
    channels of an NCHW map it is global pooling of the map turned so the channels are a
    spatial axis (channel_reduce.py). A sum is the mean times the cell count. Reductions over
    other axes are refused."""
    nd = conv_nd.is_nd(ctx, n.input[0])
    x = ctx.value(n.input[0]) if nd else _require_nchw(ctx, n.input[0])
    a = attrs_of(n)
    axes = ctx.const_array(n.input[1]).tolist() if optional_input(n, 1) else a.get("axes")  # input from opset 13/18
    rank = len(x.shape)
    axes = None if axes is None else sorted(int(i) % rank for i in axes)
    if axes == [1] and not nd:
        over_channels(ctx, n, bool(a.get("keepdims", 1)))
        return
    if axes != list(range(2, rank)):
        raise ctx.error(f"{n.op_type} over axes {axes} is not supported (only over all spatial axes, as global "
                        "pooling, or over the channels of an NCHW map)")
    pool = ("global_max_pool" if n.op_type == "ReduceMax" else "global_avg_pool") + ("_nd" if nd else "")
    pooled = emit_to_fresh(ctx, pool, [n.input[0]], "pooled")
    if n.op_type == "ReduceSum":
        pooled = scaled(ctx, pooled, float(np.prod(x.shape[2:])), "sum")
    kept = list(x.shape[:2]) + [1] * (rank - 2)
    ctx.emit("reshape", [pooled], {"shape": kept if a.get("keepdims", 1) else kept[:2],
                                   "layout": SOURCE_ACTIVATION[rank] if a.get("keepdims", 1) else "NC"})


# ---- Pad ---------------------------------------------------------------------------------
PAD_OPS = {"constant": "zero_pad2d", "edge": "edge_pad2d", "reflect": "reflect_pad2d"}


@onnx_op("Pad")
def pad(ctx, n):
    x = _require_nchw(ctx, n.input[0])
    a = attrs_of(n)
    mode = a.get("mode", b"constant").decode()
    pads, value = _pads_and_value(ctx, n, a)
    if mode not in PAD_OPS:
        raise ctx.error(f"mode={mode} is not supported (only constant with value 0, edge and reflect)")
    if mode == "constant" and value != 0:
        raise ctx.error(f"constant value {value} is not supported: Keras.js ZeroPadding2D pads with 0 only")
    if mode != "constant" and any(p < 0 for p in pads):
        raise ctx.error(f"negative pads {pads} with mode={mode} are not supported")
    begin, end = pads[:4], pads[4:]
    if begin[:2] != [0, 0] or end[:2] != [0, 0]:
        raise ctx.error(f"pads {pads} pad the batch or channel axis; irc maps only H and W padding")
    amounts = [begin[2], end[2], begin[3], end[3]]           # [top, bottom, left, right]
    crop = [max(-p, 0) for p in amounts]                      # negative pads remove cells
    grow = [max(p, 0) for p in amounts]
    if crop[0] + crop[1] >= x.shape[2] or crop[2] + crop[3] >= x.shape[3]:
        raise ctx.error(f"pads {pads} remove all of a {list(x.shape[2:])} input")
    if not any(amounts):
        ctx.emit("identity", [n.input[0]])
        return
    source = n.input[0]
    if any(crop):
        out = n.output[0] if not any(grow) else f"{n.output[0]}.cropped"
        source = ctx.emit("crop2d", [source], {"amounts": crop}, outputs=[out]).outputs[0]
    if any(grow):
        ctx.emit(PAD_OPS[mode], [source], {"amounts": grow})      # reflect_pad2d refuses amounts >= the size


def _pads_and_value(ctx, n, a):
    """Opset 1 (attr paddings), 2-10 (attrs pads, value), 11+ (inputs pads, constant_value, axes)."""
    if ctx.opset < 11:
        pads = list(a.get("pads", a.get("paddings", [])))
        value = float(a.get("value", 0.0))
    else:
        pads = [int(p) for p in ctx.const_array(n.input[1])]
        value_name = optional_input(n, 2)
        value = float(np.asarray(ctx.const_array(value_name)).reshape(-1)[0]) if value_name else 0.0
        axes_name = optional_input(n, 3)
        if axes_name:
            pads = _expand_axes(ctx, pads, [int(i) for i in ctx.const_array(axes_name)])
    if len(pads) != 8:
        raise ctx.error(f"pads {pads} do not give a begin and an end for each of the 4 axes")
    return pads, value


def _expand_axes(ctx, pads, axes):
    full = [0] * 8
    for i, axis in enumerate(axes):
        axis = axis + 4 if axis < 0 else axis
        if not 0 <= axis < 4:
            raise ctx.error(f"Pad axis {axis} is out of range for a 4D input")
        full[axis], full[axis + 4] = pads[i], pads[i + len(axes)]
    return full
