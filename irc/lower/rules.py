"""Lowering rules, IR op -> Keras 2.1 layers (the configs Keras.js 1.0 reads)."""

from irc.lower.lower import lowering

ACTIVATIONS = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh"}


def _require(ctx, node, condition, reason):
    if not condition:
        raise ctx.refuse(node, reason)


def _weights(ctx, node, names_layouts):
    return [(name, ctx.weight(node, i + 1, layout)) for i, (name, layout) in enumerate(names_layouts)
            if i + 1 < len(node.inputs)]


@lowering("dense")
def dense(ctx, node):
    _require(ctx, node, len(ctx.value(node).shape) == 2, "dense needs a 2D input")
    weights = _weights(ctx, node, [("kernel", "IO"), ("bias", "C")])
    units = weights[0][1].shape[1]
    return ctx.add_layer(node, "Dense", {"units": int(units), "activation": "linear",
                                         "use_bias": len(weights) == 2}, weights=weights)


def _spatial_config(ctx, node, kernel, filters):
    a = node.attrs
    _require(ctx, node, ctx.value(node).layout == "NHWC", f"input is @{ctx.value(node).layout}, not NHWC")
    _require(ctx, node, a.get("padding") in ("same", "valid"), "padding mode not decided (run conv-padding/deconv-padding)")
    _require(ctx, node, a["group"] == 1, f"group={a['group']} convolutions are not supported yet")
    return {"filters": int(filters), "kernel_size": list(kernel), "strides": list(a["strides"]),
            "padding": a["padding"], "data_format": "channels_last", "activation": "linear",
            "use_bias": len(node.inputs) > 2}


@lowering("conv2d")
def conv2d(ctx, node):
    weights = _weights(ctx, node, [("kernel", "HWIO"), ("bias", "C")])
    kh, kw, _, filters = weights[0][1].shape
    config = _spatial_config(ctx, node, (kh, kw), filters)
    _require(ctx, node, node.attrs["pads"] == [0, 0, 0, 0] or node.attrs["padding"] == "same",
             f"pads {node.attrs['pads']} left for a valid convolution")
    config["dilation_rate"] = list(node.attrs["dilations"])
    return ctx.add_layer(node, "Conv2D", config, weights=weights)


@lowering("conv2d_transpose")
def conv2d_transpose(ctx, node):
    weights = _weights(ctx, node, [("kernel", "HWOI"), ("bias", "C")])
    kh, kw, filters, _ = weights[0][1].shape
    _require(ctx, node, node.attrs["dilations"] == [1, 1], "Keras.js Conv2DTranspose has no dilation")
    config = _spatial_config(ctx, node, (kh, kw), filters)
    return ctx.add_layer(node, "Conv2DTranspose", config, weights=weights)


@lowering("batch_norm")
def batch_norm(ctx, node):
    _require(ctx, node, "axis" in node.attrs, "batch-norm axis not set (run batchnorm-params)")
    weights = _weights(ctx, node, [("gamma", "C"), ("beta", "C"), ("moving_mean", "C"),
                                   ("moving_variance", "C")])
    config = {"axis": node.attrs["axis"], "epsilon": node.attrs["epsilon"], "momentum": 0.99,
              "center": True, "scale": True}
    return ctx.add_layer(node, "BatchNormalization", config, weights=weights)


@lowering(*ACTIVATIONS)
def activation(ctx, node):
    return ctx.add_layer(node, "Activation", {"activation": ACTIVATIONS[node.op]}, label=node.op)


@lowering("leaky_relu")
def leaky_relu(ctx, node):
    return ctx.add_layer(node, "LeakyReLU", {"alpha": node.attrs["alpha"]}, label=node.op)


@lowering("elu")
def elu(ctx, node):
    return ctx.add_layer(node, "ELU", {"alpha": node.attrs["alpha"]}, label=node.op)


@lowering("softmax")
def softmax(ctx, node):
    _require(ctx, node, node.attrs["axis"] == len(ctx.value(node).shape) - 1,
             "Keras.js applies softmax over the last axis only")
    return ctx.add_layer(node, "Activation", {"activation": "softmax"}, label=node.op)


@lowering("reshape")
def reshape(ctx, node):
    shape = node.attrs["shape"]
    if list(shape) == list(ctx.value(node).shape):
        return None                                  # nothing moves: no layer
    return ctx.add_layer(node, "Reshape", {"target_shape": list(shape[1:])}, label="reshape")


@lowering("flatten")
def flatten(ctx, node):
    if len(ctx.value(node).shape) == 2:
        return None
    return ctx.add_layer(node, "Flatten", {}, label="flatten")


@lowering("transpose")
def transpose(ctx, node):
    perm = node.attrs["perm"]
    _require(ctx, node, perm[0] == 0, "a transpose that moves the batch axis")
    return ctx.add_layer(node, "Permute", {"dims": list(perm[1:])}, label="permute")


SPATIAL_EDGES = {"crop2d": ("Cropping2D", "cropping", "crop"), "zero_pad2d": ("ZeroPadding2D", "padding", "pad")}


@lowering(*SPATIAL_EDGES)
def crop_or_pad(ctx, node):
    class_name, key, label = SPATIAL_EDGES[node.op]
    t, b, left, r = node.attrs["amounts"]
    _require(ctx, node, ctx.value(node).layout == "NHWC", f"{node.op} of a non-NHWC tensor")
    return ctx.add_layer(node, class_name, {key: [[t, b], [left, r]], "data_format": "channels_last"},
                         label=label)


@lowering("add")
def add(ctx, node):
    return ctx.add_layer(node, "Add", {}, label="add")


@lowering("identity")
def identity(ctx, node):
    return None
