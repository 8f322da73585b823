"""Conv2D, DepthwiseConv2D and Conv2DTranspose."""

from irc.lower.grouped import spanned_kernel
from irc.lower.registry import lowering
from irc.lower.rules.common import require, weights


def _spatial_config(ctx, node, kernel):
    a = node.attrs
    require(ctx, node, ctx.value(node).layout == "NHWC", f"input is @{ctx.value(node).layout}, not NHWC")
    require(ctx, node, a.get("padding") in ("same", "valid"), "padding mode not decided (run conv-padding/deconv-padding)")
    return {"kernel_size": list(kernel), "strides": list(a["strides"]),
            "padding": a["padding"], "data_format": "channels_last",
            "activation": a.get("activation", "linear"),
            "use_bias": len(node.inputs) > 2}


@lowering("conv2d")
def conv2d(ctx, node):
    params = weights(ctx, node, [("kernel", "HWIO"), ("bias", "C")])
    kh, kw, per_group, filters = params[0][1].shape
    group = node.attrs["group"]
    require(ctx, node, node.attrs["pads"] == [0, 0, 0, 0] or node.attrs["padding"] == "same",
            f"pads {node.attrs['pads']} left for a valid convolution")
    if group == 1 or per_group > 1:
        # Grouped at its real size, as Keras 3's Conv2D(groups) (irc/lower/grouped.py).
        dilations = list(node.attrs["dilations"])
        if max(dilations) > 1 and max(node.attrs["strides"]) > 1:
            # Keras (and Keras.js, TF.js) dilate at stride 1 only: the kernel it spans, zeros between its taps.
            params[0] = ("kernel", spanned_kernel(params[0][1], dilations))
            dilations = [1, 1]
        config = {**_spatial_config(ctx, node, params[0][1].shape[:2]), "dilation_rate": dilations}
        groups = {"groups": int(group)} if group > 1 else {}
        return ctx.add_layer(node, "Conv2D", {"filters": int(filters), **config, **groups}, weights=params)
    # Depthwise: output channel c * multiplier + m reads input channel c only, as ONNX's
    # groups and Keras's depthwise_kernel (kh, kw, channels, multiplier) both order them.
    # TF.js's DepthwiseConv2D ignores dilation_rate (and Keras.js's SeparableConv2D has none):
    # a dilated kernel is written as the kernel it spans, zeros between its taps (exact; Keras
    # pads it for 'same' as it pads the dilated one).
    multiplier = filters // group
    depthwise = spanned_kernel(params[0][1].reshape(kh, kw, group, multiplier), node.attrs["dilations"])
    config = {**_spatial_config(ctx, node, depthwise.shape[:2]), "dilation_rate": [1, 1]}
    return ctx.add_layer(node, "DepthwiseConv2D", {"depth_multiplier": int(multiplier), **config},
                         weights=[("depthwise_kernel", depthwise), *params[1:]])


@lowering("conv2d_transpose")
def conv2d_transpose(ctx, node):
    params = weights(ctx, node, [("kernel", "HWOI"), ("bias", "C")])
    kh, kw, filters, _ = params[0][1].shape
    require(ctx, node, node.attrs["dilations"] == [1, 1], "Keras.js Conv2DTranspose has no dilation")
    require(ctx, node, node.attrs["group"] == 1, f"group={node.attrs['group']} transposed convolutions are not supported")
    config = _spatial_config(ctx, node, (kh, kw))
    return ctx.add_layer(node, "Conv2DTranspose", {"filters": int(filters), **config}, weights=params)
