"""Conv2D and Conv2DTranspose."""

from irc.lower.registry import lowering
from irc.lower.rules.common import require, weights


def _spatial_config(ctx, node, kernel, filters):
    a = node.attrs
    require(ctx, node, ctx.value(node).layout == "NHWC", f"input is @{ctx.value(node).layout}, not NHWC")
    require(ctx, node, a.get("padding") in ("same", "valid"), "padding mode not decided (run conv-padding/deconv-padding)")
    require(ctx, node, a["group"] == 1,
            f"group={a['group']} left (run grouped-conv)" if node.op == "conv2d"
            else f"group={a['group']} transposed convolutions are not supported")
    return {"filters": int(filters), "kernel_size": list(kernel), "strides": list(a["strides"]),
            "padding": a["padding"], "data_format": "channels_last",
            "activation": a.get("activation", "linear"),
            "use_bias": len(node.inputs) > 2}


@lowering("conv2d")
def conv2d(ctx, node):
    params = weights(ctx, node, [("kernel", "HWIO"), ("bias", "C")])
    kh, kw, _, filters = params[0][1].shape
    config = _spatial_config(ctx, node, (kh, kw), filters)
    require(ctx, node, node.attrs["pads"] == [0, 0, 0, 0] or node.attrs["padding"] == "same",
             f"pads {node.attrs['pads']} left for a valid convolution")
    config["dilation_rate"] = list(node.attrs["dilations"])
    return ctx.add_layer(node, "Conv2D", config, weights=params)


@lowering("conv2d_transpose")
def conv2d_transpose(ctx, node):
    params = weights(ctx, node, [("kernel", "HWOI"), ("bias", "C")])
    kh, kw, filters, _ = params[0][1].shape
    require(ctx, node, node.attrs["dilations"] == [1, 1], "Keras.js Conv2DTranspose has no dilation")
    config = _spatial_config(ctx, node, (kh, kw), filters)
    return ctx.add_layer(node, "Conv2DTranspose", config, weights=params)
