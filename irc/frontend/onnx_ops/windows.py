"""The window attributes ONNX's Conv and MaxPool/AveragePool share, for any number of spatial
axes: per-axis values, pads (auto_pad resolved) and a pool's whole attribute set."""

from irc.frontend.onnx_ops.common import attrs_of


def per_axis(ctx, a, key, default, count):
    """Attribute `key` as `count` ints (`default` for each when absent)."""
    values = [int(v) for v in a.get(key, [default] * count)]
    if len(values) != count:
        raise ctx.error(f"{key} {values} do not give one value per spatial axis ({count})")
    return values


def onnx_pads(ctx, a, sizes, kernel, strides, dilations=None):
    """ONNX pads [begins..., ends...] over spatial `sizes`: the pads attribute, or what auto_pad
    means (SAME_*: output ceil(size / stride), the odd cell after (UPPER) or before (LOWER))."""
    auto_pad = a.get("auto_pad", b"NOTSET").decode()
    if auto_pad == "NOTSET":
        return per_axis(ctx, a, "pads", 0, 2 * len(sizes))
    if auto_pad == "VALID":
        return [0] * (2 * len(sizes))
    if auto_pad not in ("SAME_UPPER", "SAME_LOWER"):
        raise ctx.error(f"auto_pad={auto_pad} is not a valid ONNX value")
    begin, end = [], []
    for size, k, s, d in zip(sizes, kernel, strides, dilations or [1] * len(sizes)):
        total = max(0, (-(-size // s) - 1) * s + (k - 1) * d + 1 - size)
        small, large = total // 2, total - total // 2
        begin.append(small if auto_pad == "SAME_UPPER" else large)
        end.append(large if auto_pad == "SAME_UPPER" else small)
    return begin + end


def pool_attrs(ctx, n, x):
    """kernel, strides, pads and ceil_mode of a MaxPool or AveragePool over input value x
    (count_include_pad is the caller's)."""
    a = attrs_of(n)
    kernel = [int(k) for k in a.get("kernel_shape", [])]
    space = list(x.shape[2:])
    if len(kernel) != len(space):
        raise ctx.error(f"a {len(kernel)}D kernel does not fit the {list(x.shape)} input @{x.layout}")
    if len(n.output) > 1 and n.output[1]:
        raise ctx.error("the Indices output of MaxPool is not supported")
    if any(d != 1 for d in a.get("dilations", [])):
        raise ctx.error(f"dilations {list(a['dilations'])} are not supported: Keras.js pooling has no dilation")
    strides = per_axis(ctx, a, "strides", 1, len(space))
    pads = onnx_pads(ctx, a, space, kernel, strides)
    if any(p < 0 for p in pads) or any(p >= kernel[i % len(space)] for i, p in enumerate(pads)):
        raise ctx.error(f"pads {pads} must be non-negative and smaller than the kernel {kernel}")
    return {"kernel": kernel, "strides": strides, "pads": pads, "ceil_mode": int(a.get("ceil_mode", 0))}
