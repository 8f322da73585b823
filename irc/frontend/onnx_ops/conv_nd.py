"""Conv, MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool on 1-D (N, C, W) and 3-D
(N, C, D, H, W) inputs: conv.py and pooling.py hand rank-3 and rank-5 inputs here."""


from irc.frontend.onnx_ops.common import attrs_of, optional_input
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


def _per_axis(ctx, a, key, default, count):
    values = [int(v) for v in a.get(key, [default] * count)]
    if len(values) != count:
        raise ctx.error(f"{key} {values} do not give one value per spatial axis ({count})")
    return values


def _pads(ctx, a, space, kernel, strides, dilations):
    """ONNX pads [begins..., ends...]; auto_pad SAME_* gives ceil(size / stride) outputs with
    the odd cell after (UPPER) or before (LOWER)."""
    auto_pad = a.get("auto_pad", b"NOTSET").decode()
    if auto_pad == "NOTSET":
        return _per_axis(ctx, a, "pads", 0, 2 * len(space))
    if auto_pad == "VALID":
        return [0] * (2 * len(space))
    if auto_pad not in ("SAME_UPPER", "SAME_LOWER"):
        raise ctx.error(f"auto_pad={auto_pad} is not a valid ONNX value")
    begin, end = [], []
    for size, k, s, d in zip(space, kernel, strides, dilations):
        total = max(0, (-(-size // s) - 1) * s + (k - 1) * d + 1 - size)
        small, large = total // 2, total - total // 2
        begin.append(small if auto_pad == "SAME_UPPER" else large)
        end.append(large if auto_pad == "SAME_UPPER" else small)
    return begin + end


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
    strides = _per_axis(ctx, a, "strides", 1, len(space))
    dilations = _per_axis(ctx, a, "dilations", 1, len(space))
    attrs = {"strides": strides, "dilations": dilations, "group": _groups(ctx, n, w),
             "pads": _pads(ctx, a, space, kernel, strides, dilations)}
    inputs = [n.input[0], ctx.weight(n.input[1], kernel_source_layout(len(space) + 2))]
    if optional_input(n, 2):
        inputs.append(ctx.weight(n.input[2], "C"))
    ctx.emit("conv_nd", inputs, attrs)


def pool(ctx, n, op):
    """op: 'max_pool_nd' or 'avg_pool_nd'."""
    a = attrs_of(n)
    kernel = [int(k) for k in a.get("kernel_shape", [])]
    space = _space(ctx, n, kernel)
    if len(n.output) > 1 and n.output[1]:
        raise ctx.error("the Indices output of MaxPool is not supported")
    if any(d != 1 for d in a.get("dilations", [])):
        raise ctx.error(f"dilations {list(a['dilations'])} are not supported: Keras.js pooling has no dilation")
    strides = _per_axis(ctx, a, "strides", 1, len(space))
    pads = _pads(ctx, a, space, kernel, strides, [1] * len(space))
    if any(p < 0 for p in pads) or any(p >= kernel[i % len(space)] for i, p in enumerate(pads)):
        raise ctx.error(f"pads {pads} must be non-negative and smaller than the kernel {kernel}")
    attrs = {"kernel": kernel, "strides": strides, "pads": pads, "ceil_mode": int(a.get("ceil_mode", 0))}
    if op == "avg_pool_nd":
        attrs["count_include_pad"] = int(a.get("count_include_pad", 0))
    ctx.emit(op, [n.input[0]], attrs)


def global_pool(ctx, n):
    ctx.emit("global_avg_pool_nd" if n.op_type == "GlobalAveragePool" else "global_max_pool_nd", [n.input[0]])
