"""Conv, GlobalAveragePool and GlobalMaxPool on 1-D (N, C, W) and 3-D (N, C, D, H, W) inputs:
conv.py and pooling.py hand rank-3 and rank-5 inputs here (MaxPool and AveragePool of any rank
share windows.py's pool_attrs)."""


from irc.frontend.onnx_ops.common import attrs_of, optional_input
from irc.frontend.onnx_ops.windows import onnx_pads, per_axis
from irc.ir.layout import SOURCE_ACTIVATION
from irc.ir.ops.conv_nd import kernel_source_layout

RANKS = (3, 5)          # (N, C, W) and (N, C, D, H, W); 2-D maps stay with conv.py and pooling.py


def is_nd(ctx, name):
    """Whether ONNX tensor `name` is a 1-D or 3-D map (@NCW or @NCDHW), which this module handles."""
    value = ctx.value(name)
    return len(value.shape) in RANKS and value.layout == SOURCE_ACTIVATION[len(value.shape)]


def _space(ctx, n, kernel):
    """The input's spatial sizes, checked against the kernel's rank."""
    x = ctx.value(n.input[0])
    space = list(x.shape[2:])
    if len(kernel) != len(space):
        raise ctx.error(f"a {len(kernel)}D kernel does not fit the {list(x.shape)} input @{x.layout}")
    return space


def _groups(ctx, n, w):
    groups = int(attrs_of(n).get("group", 1))
    channels = ctx.value(n.input[0]).shape[1]
    if groups < 1 or w.shape[0] % groups or w.shape[1] * groups != channels:
        raise ctx.error(f"group={groups} does not divide the kernel {list(w.shape)} and {channels} input channels")
    return groups


def conv(ctx, n):
    a = attrs_of(n)
    w = ctx.const_array(n.input[1])
    kernel = list(w.shape[2:])
    space = _space(ctx, n, kernel)
    strides = per_axis(ctx, a, "strides", 1, len(space))
    dilations = per_axis(ctx, a, "dilations", 1, len(space))
    attrs = {"strides": strides, "dilations": dilations, "group": _groups(ctx, n, w),
             "pads": onnx_pads(ctx, a, space, kernel, strides, dilations)}
    inputs = [n.input[0], ctx.weight(n.input[1], kernel_source_layout(len(space) + 2))]
    if optional_input(n, 2):
        inputs.append(ctx.weight(n.input[2], "C"))
    ctx.emit("conv_nd", inputs, attrs)


def global_pool(ctx, n):
    ctx.emit("global_avg_pool_nd" if n.op_type == "GlobalAveragePool" else "global_max_pool_nd", [n.input[0]])
