"""Conv1D / Conv3D, Max/AveragePooling1D/3D, GlobalAverage/MaxPooling1D/3D, with the
ZeroPadding1D/3D and Cropping1D/3D in front that make ONNX's pads exact.

Keras.js 1.0.3's 1-D layers do arithmetic on their config values (Conv1D.js builds
`kernel_size: [kernel_size, 1]`, _Pooling1D.js computes `steps - pool_size + strides`), so
their sizes are written as plain numbers: a list would be concatenated as a string.
Keras.js's Conv1D runs a channels_first Conv2D on a [steps, 1, C] view and squeezes every
axis of size 1 out of its result, so one filter or one output step would come out misshapen:
those run as Reshape (steps, 1, C) -> Conv2D (k x 1) -> Reshape (steps, filters) instead.
"""


from irc.ir.ops.conv_nd import source_layout
from irc.keras_semantics.padding import conv_padding_plan
from irc.keras_semantics.pooling import plan_max_pool_by_subsampling, plan_pool_axes
from irc.lower.grouped import block_diagonal, spanned_kernel
from irc.lower.registry import lowering
from irc.lower.rules.common import require, weights
from irc.lower.rules.concat import chain

LAYOUTS = {"NWC": "1D", "NDHWC": "3D"}       # what to-channels-last stores 1-D and 3-D maps as
POOLS = {"max_pool_nd": ("MaxPooling", "maxpool"), "avg_pool_nd": ("AveragePooling", "avgpool")}
GLOBAL_POOLS = {"global_avg_pool_nd": ("GlobalAveragePooling", "gap"),
                "global_max_pool_nd": ("GlobalMaxPooling", "gmp")}


def _dims(ctx, node):
    """'1D' or '3D', for a channels-last input."""
    layout = ctx.value(node).layout
    require(ctx, node, layout in LAYOUTS, f"input is @{layout}, not channels-last (run to-channels-last)")
    return LAYOUTS[layout]


def _sizes(dims, values):
    """A config's per-axis sizes: one plain number for a 1-D layer (see the module docstring)."""
    return int(values[0]) if dims == "1D" else [int(v) for v in values]


EDGES = {"ZeroPadding": ("padding", "pad"), "Cropping": ("cropping", "crop")}


def _edges(ctx, node, dims, class_name, amounts, source):
    """A ZeroPadding / Cropping layer reading layer `source` -> its name; `source` for no amounts."""
    if not any(before or after for before, after in amounts):
        return source
    key, label = EDGES[class_name]
    config = {key: list(amounts[0]) if dims == "1D" else [list(a) for a in amounts]}
    if dims == "3D":
        config["data_format"] = "channels_last"
    return chain(ctx, node, class_name + dims, config, [source], label).name


@lowering("conv_nd")
def conv_nd(ctx, node):
    dims = _dims(ctx, node)
    x, a = ctx.value(node), node.attrs
    kernel_layout = source_layout(x)[2:] + "IO"
    params = weights(ctx, node, [("kernel", kernel_layout), ("bias", "C")])
    if a.get("group", 1) > 1:          # Keras's Conv1D and Conv3D have no groups
        params[0] = ("kernel", block_diagonal(params[0][1], a["group"]))
    dilations = a["dilations"]
    if max(dilations) > 1 and max(a["strides"]) > 1:      # Keras.js dilates at stride 1 only
        params[0] = ("kernel", spanned_kernel(params[0][1], dilations))
        dilations = [1] * len(dilations)
    *kernel, _, filters = params[0][1].shape
    padding, explicit = conv_padding_plan(x.shape[1:-1], kernel, a["strides"], dilations, a["pads"])
    source = _edges(ctx, node, dims, "ZeroPadding", explicit, ctx.producer[node.inputs[0]])
    config = {"filters": int(filters), "kernel_size": _sizes(dims, kernel), "strides": _sizes(dims, a["strides"]),
              "padding": padding, "dilation_rate": _sizes(dims, dilations),
              "activation": a.get("activation", "linear"), "use_bias": len(node.inputs) > 2}
    out = ctx.graph.value(node.outputs[0]).shape
    if dims == "1D" and 1 in out[1:]:
        return _conv1d_as_conv2d(ctx, node, source, config, params, x.shape[1] + sum(explicit[0]))
    if dims == "3D":
        config["data_format"] = "channels_last"
    return ctx.add_layer(node, "Conv" + dims, config, weights=params, inbound=[source], label="conv" + dims.lower())


def _conv1d_as_conv2d(ctx, node, source, config, params, steps):
    """A Conv1D whose result has an axis of size 1 (see the module docstring), as a Conv2D
    over `steps` x 1 (its input after any explicit padding)."""
    channels = ctx.value(node).shape[-1]
    image = chain(ctx, node, "Reshape", {"target_shape": [steps, 1, channels]}, [source], "reshape")
    config = {**config, "kernel_size": [config["kernel_size"], 1], "strides": [config["strides"], 1],
              "dilation_rate": [config["dilation_rate"], 1], "data_format": "channels_last"}
    params = [(name, array.reshape(array.shape[0], 1, *array.shape[1:]) if name == "kernel" else array)
              for name, array in params]
    conv = ctx.add_layer(node, "Conv2D", config, weights=params, inbound=[image.name], label="conv1d")
    out = ctx.graph.value(node.outputs[0])
    return chain(ctx, node, "Reshape", {"target_shape": list(out.shape[1:])}, [conv.name], "reshape")


@lowering(*POOLS)
def pool_nd(ctx, node):
    dims = _dims(ctx, node)
    x, a = ctx.value(node), node.attrs
    kind = "max" if node.op == "max_pool_nd" else ("avg_include" if a.get("count_include_pad") else "avg_exclude")
    sizes = x.shape[1:-1]
    plan = plan_pool_axes(kind, sizes, a["kernel"], a["strides"], a["pads"], a["ceil_mode"])
    if plan is None and kind == "max":
        return _max_pool_by_subsampling(ctx, node, dims, sizes)
    require(ctx, node, plan is not None, _no_plan(a, sizes, "1D and 3D average pools leave no padding out of the "
                                                 "average but Keras's own 'same' padding"))
    padding, crop, pad = plan
    source = _edges(ctx, node, dims, "Cropping", crop, ctx.producer[node.inputs[0]])
    source = _edges(ctx, node, dims, "ZeroPadding", pad, source)
    return _pool_layer(ctx, node, dims, source, a["kernel"], a["strides"], padding)


def _pool_layer(ctx, node, dims, source, kernel, strides, padding):
    class_name, label = POOLS[node.op]
    config = {"pool_size": _sizes(dims, kernel), "strides": _sizes(dims, strides), "padding": padding}
    if dims == "3D":
        config["data_format"] = "channels_last"
    return ctx.add_layer(node, class_name + dims, config, inbound=[source], label=label + dims.lower())


def _max_pool_by_subsampling(ctx, node, dims, sizes):
    """A max pool that would need copies of the edge cells: a stride-1 'same' max pool, a crop
    of the end, then every stride-th cell (irc/keras_semantics/pooling.py)."""
    a = node.attrs
    crop = plan_max_pool_by_subsampling(sizes, a["kernel"], a["strides"], a["pads"], a["ceil_mode"])
    require(ctx, node, crop is not None, _no_plan(a, sizes, "1D and 3D max pools get no copies of the edge cells "
                                                 "in front, and a stride-1 'same' pool pads (kernel - 1) // 2 "
                                                 "cells before, not these"))
    ones = [1] * len(sizes)
    windows = _pool_layer(ctx, node, dims, ctx.producer[node.inputs[0]], a["kernel"], ones, "same").name
    cropped = _edges(ctx, node, dims, "Cropping", [(0, end) for end in crop], windows)
    return _pool_layer(ctx, node, dims, cropped, ones, a["strides"], "valid")


def _no_plan(a, sizes, why):
    return (f"no exact Keras.js pooling for kernel {a['kernel']}, strides {a['strides']}, pads {a['pads']}, "
            f"ceil_mode={a['ceil_mode']} on {list(sizes)} ({why})")


@lowering(*GLOBAL_POOLS)
def global_pool_nd(ctx, node):
    """Keras gives (C,); the IR keeps ONNX's spatial axes of size 1: a Reshape follows."""
    dims = _dims(ctx, node)
    class_name, label = GLOBAL_POOLS[node.op]
    config = {} if dims == "1D" else {"data_format": "channels_last"}
    pooled = ctx.add_layer(node, class_name + dims, config, label=label + dims.lower())
    out = ctx.graph.value(node.outputs[0])
    return chain(ctx, node, "Reshape", {"target_shape": list(out.shape[1:])}, [pooled.name], "reshape")
