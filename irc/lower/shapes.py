"""The per-sample output shape of every Keras layer (`KerasLayer.shape`), as Keras 2.1
computes it from the layer configs; lower() sets it on every layer and the targets read it
there instead of re-deriving it.

A layer that holds an IR value gets that value's shape, which must be what Keras computes:
a disagreement is a lowering bug, refused naming the layer. Inner layers of multi-layer
rules (and the layers a target's legalisation adds) get the computed shape.
"""

import numpy as np

from irc.errors import IrcError
from irc.keras_semantics.padding import same_output
from irc.lower.keras_graph import pair


def set_shapes(model):
    """Fill in `shape` where it is None and check it where it is set; a layer of a class
    with no rule here keeps None (its target refuses it, or lower() does)."""
    shapes = {}
    for layer in model.layers:
        inputs = [shapes[name] for name in layer.inbound]
        rule = KERAS_SHAPES.get(layer.class_name)
        shapes[layer.name] = layer.shape
        if rule is None or None in inputs:
            continue
        computed = tuple(int(d) for d in rule(layer.config, *inputs))
        if layer.shape is None:
            layer.shape = shapes[layer.name] = computed
        elif tuple(layer.shape) != computed:
            raise IrcError(f"layer '{layer.name}' ({layer.class_name}, from {layer.source or 'import'}): Keras "
                           f"computes shape {list(computed)}, the IR value it holds is {list(layer.shape)}")
    return model


def _spatial(config):
    """(H, W axes, channel axis) of a 2D layer's per-sample input, by its data_format."""
    return ((1, 2), 0) if config.get("data_format") == "channels_first" else ((0, 1), 2)


def _window(n, k, s, padding, dilation=1):
    k = (k - 1) * dilation + 1
    return same_output(n, s) if padding == "same" else (n - k) // s + 1


def _conv(config, x):
    (h, w), c = _spatial(config)
    kernel, strides = pair(config["kernel_size"]), pair(config.get("strides", 1))
    dilation, padding = pair(config.get("dilation_rate", 1)), config.get("padding", "valid")
    out = list(x)
    for axis, k, s, d in zip((h, w), kernel, strides, dilation):
        out[axis] = _window(x[axis], k, s, padding, d)
    out[c] = config["filters"]
    return out


def _depthwise(config, x):
    return _conv({**config, "filters": x[_spatial(config)[1]] * config.get("depth_multiplier", 1)}, x)


def _deconv(config, x):
    (h, w), c = _spatial(config)
    out = list(x)
    for axis, k, s in zip((h, w), pair(config["kernel_size"]), pair(config.get("strides", 1))):
        out[axis] = x[axis] * s + (max(k - s, 0) if config.get("padding", "valid") == "valid" else 0)
    out[c] = config["filters"]
    return out


def _pool(config, x):
    (h, w), _ = _spatial(config)
    pool = pair(config.get("pool_size", 2))
    strides = pair(config.get("strides") or pool)
    out = list(x)
    for axis, k, s in zip((h, w), pool, strides):
        out[axis] = _window(x[axis], k, s, config.get("padding", "valid"))
    return out


def _edges(config, x, key, sign):
    (h, w), _ = _spatial(config)
    amounts = config[key]
    amounts = [pair(a) for a in amounts] if isinstance(amounts, (list, tuple)) else [pair(amounts)] * 2
    out = list(x)
    out[h] += sign * sum(amounts[0])
    out[w] += sign * sum(amounts[1])
    return out


def _reshape(config, x):
    target = list(config["target_shape"])
    if -1 in target:
        known = int(np.prod([d for d in target if d != -1]))
        target[target.index(-1)] = int(np.prod(x)) // known
    return target


def _concatenate(config, *xs):
    axis = config.get("axis", -1)
    axis = axis - 1 if axis > 0 else axis + len(xs[0])     # Keras counts a positive axis with the batch axis
    out = list(xs[0])
    out[axis] = sum(x[axis] for x in xs)
    return out


def _upsample(config, x):
    (h, w), _ = _spatial(config)
    sh, sw = pair(config.get("size", 2))
    out = list(x)
    out[h] *= sh
    out[w] *= sw
    return out


def _unchanged(config, x, *rest):
    return x


# ---- 1-D and 3-D layers, channels_last: (steps, C), (D, H, W, C) ----------------------------
def _per_axis(value, count):
    """A 1-D/3-D config value (one number, or one per spatial axis) as `count` numbers."""
    return list(value) if isinstance(value, (list, tuple)) else [value] * count


def _windows_nd(config, x, size_key, stride_key):
    count = len(x) - 1
    kernel = _per_axis(config[size_key], count)
    strides = _per_axis(config.get(stride_key) or kernel, count)
    dilations = _per_axis(config.get("dilation_rate", 1), count)
    return [_window(n, k, s, config.get("padding", "valid"), d) for n, k, s, d in zip(x, kernel, strides, dilations)]


def _conv_nd(config, x):
    return [*_windows_nd(config, x, "kernel_size", "strides"), config["filters"]]


def _pool_nd(config, x):
    return [*_windows_nd(config, x, "pool_size", "strides"), x[-1]]


def _edges_nd(key, sign):
    def shape(config, x):
        amounts = config[key]
        amounts = [amounts] if len(x) == 2 else amounts     # 1-D: one (before, after) pair
        return [n + sign * sum(a) for n, a in zip(x, amounts)] + [x[-1]]
    return shape


KERAS_SHAPES = {
    "InputLayer": lambda config: config["batch_input_shape"][1:],
    "Dense": lambda config, x: [*x[:-1], config["units"]],
    "Conv2D": _conv,
    "SeparableConv2D": _conv,
    "DepthwiseConv2D": _depthwise,
    "Conv2DTranspose": _deconv,
    "BatchNormalization": _unchanged, "Activation": _unchanged, "LeakyReLU": _unchanged, "ELU": _unchanged,
    "PReLU": _unchanged, "ThresholdedReLU": _unchanged,
    "Add": _unchanged, "Subtract": _unchanged, "Multiply": _unchanged, "Maximum": _unchanged,
    "Minimum": _unchanged, "Average": _unchanged,
    "Reshape": _reshape,
    "Flatten": lambda config, x: [int(np.prod(x))],
    "Permute": lambda config, x: [x[d - 1] for d in config["dims"]],
    "Cropping2D": lambda config, x: _edges(config, x, "cropping", -1),
    "ZeroPadding2D": lambda config, x: _edges(config, x, "padding", 1),
    "MaxPooling2D": _pool,
    "AveragePooling2D": _pool,
    "GlobalAveragePooling2D": lambda config, x: [x[_spatial(config)[1]]],
    "GlobalMaxPooling2D": lambda config, x: [x[_spatial(config)[1]]],
    "UpSampling2D": _upsample,
    "Concatenate": _concatenate,
    "RepeatVector": lambda config, x: [config["n"], *x],
    **{f"{name}{dims}": rule for dims in ("1D", "3D") for name, rule in {
        "Conv": _conv_nd, "MaxPooling": _pool_nd, "AveragePooling": _pool_nd,
        "GlobalAveragePooling": lambda config, x: [x[-1]], "GlobalMaxPooling": lambda config, x: [x[-1]],
        "ZeroPadding": _edges_nd("padding", 1), "Cropping": _edges_nd("cropping", -1)}.items()},
}
