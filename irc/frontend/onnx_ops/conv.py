"""Conv and ConvTranspose."""

from irc.frontend.onnx_ops import conv_nd
from irc.frontend.onnx_ops.common import attrs_of, optional_input
from irc.frontend.onnx_ops.registry import onnx_op


def _spatial_attrs(ctx, onnx_node, kernel):
    a = attrs_of(onnx_node)
    if len(kernel) != 2:
        raise ctx.error(f"{len(kernel)}D kernels are not supported; irc handles 2D convolutions")
    pads = list(a.get("pads", [0, 0, 0, 0]))
    auto_pad = a.get("auto_pad", b"NOTSET").decode()
    if auto_pad not in ("NOTSET", "VALID"):
        raise ctx.error(f"auto_pad={auto_pad} is not supported; export with explicit pads")
    return {"strides": list(a.get("strides", [1, 1])), "pads": pads,
            "dilations": list(a.get("dilations", [1, 1])), "group": int(a.get("group", 1))}


def _require_spatial_input(ctx, x):
    if ctx.value(x).layout != "NCHW":
        raise ctx.error(f"expects a 4D NCHW input, got {list(ctx.value(x).shape)}")


@onnx_op("Conv")
def conv(ctx, n):
    if conv_nd.is_nd(ctx, n.input[0]):
        return conv_nd.conv(ctx, n)
    _require_spatial_input(ctx, n.input[0])
    w = ctx.const_array(n.input[1])
    inputs = [n.input[0], ctx.weight(n.input[1], "OIHW")]
    if optional_input(n, 2):
        inputs.append(ctx.weight(n.input[2], "C"))
    ctx.emit("conv2d", inputs, _spatial_attrs(ctx, n, w.shape[2:]))


@onnx_op("ConvTranspose")
def conv_transpose(ctx, n):
    if conv_nd.is_nd(ctx, n.input[0]):
        raise ctx.error("1D and 3D ConvTranspose are not supported (only 2D, on NCHW inputs)")
    _require_spatial_input(ctx, n.input[0])
    w = ctx.const_array(n.input[1])
    attrs = _spatial_attrs(ctx, n, w.shape[2:])
    a = attrs_of(n)
    attrs["output_padding"] = list(a.get("output_padding", [0, 0]))
    if "output_shape" in a:
        _pads_from_output_shape(ctx, n, attrs, w.shape[2:], list(a["output_shape"])[-2:])
    inputs = [n.input[0], ctx.weight(n.input[1], "IOHW")]
    if optional_input(n, 2):
        inputs.append(ctx.weight(n.input[2], "C"))
    ctx.emit("conv2d_transpose", inputs, attrs)


def _pads_from_output_shape(ctx, n, attrs, kernel, output_shape):
    """ONNX: with output_shape given, pads are derived from it (end gets the smaller half)."""
    size = ctx.value(n.input[0]).shape[2:]
    upper = attrs_of(n).get("auto_pad", b"NOTSET") == b"SAME_UPPER"
    begin, end = [], []
    for i in range(2):
        full = (size[i] - 1) * attrs["strides"][i] + (kernel[i] - 1) * attrs["dilations"][i] + 1
        total = full + attrs["output_padding"][i] - output_shape[i]
        if total < 0:
            attrs["output_padding"][i] -= total
            total = 0
        small, large = total // 2, total - total // 2
        begin.append(small if upper else large)
        end.append(large if upper else small)
    attrs["pads"] = begin + end
