"""An independent float64 numpy interpreter for KerasModel, the oracle for emitter tests.

Written from the Keras semantics (channels-last, one sample, no batch dimension) with
direct loops, sharing no code with the emitters or runtimes it checks.
"""

import numpy as np


def run_reference(model, inputs):
    """{layer name: output} for every layer, given {input layer name: array} (no batch)."""
    values = {}
    for layer in model.layers:
        if layer.class_name == "InputLayer":
            values[layer.name] = np.asarray(inputs[layer.name], dtype=np.float64)
            continue
        args = [values[name] for name in layer.inbound]
        weights = {param: np.asarray(array, dtype=np.float64) for param, array in layer.weights}
        values[layer.name] = LAYERS[layer.class_name](layer.config, weights, *args)
    return values


def _activation(name, x):
    return {
        "linear": lambda: x,
        "relu": lambda: np.maximum(x, 0),
        "sigmoid": lambda: 1 / (1 + np.exp(-x)),
        "tanh": lambda: np.tanh(x),
    }[name]()


def _pair(value):
    return tuple(value) if isinstance(value, (list, tuple)) else (value, value)


def _bias(config, weights, y):
    return y + weights["bias"] if config.get("use_bias", True) else y


def dense(config, weights, x):
    y = _bias(config, weights, x @ weights["kernel"])
    return _activation(config.get("activation", "linear"), y)


def _same_padding(size, kernel, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv2d(config, weights, x):
    kernel = weights["kernel"]                      # (kh, kw, in, out)
    (kh, kw), (sh, sw) = kernel.shape[:2], _pair(config.get("strides", 1))
    if config.get("padding", "valid") == "same":
        x = np.pad(x, [_same_padding(x.shape[0], kh, sh), _same_padding(x.shape[1], kw, sw), (0, 0)])
    oh, ow = (x.shape[0] - kh) // sh + 1, (x.shape[1] - kw) // sw + 1
    y = np.zeros((oh, ow, kernel.shape[3]))
    for i in range(oh):
        for j in range(ow):
            patch = x[i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            y[i, j] = np.einsum("abc,abco->o", patch, kernel)
    return _activation(config.get("activation", "linear"), _bias(config, weights, y))


def conv2d_transpose(config, weights, x):
    """Scatter each input pixel times the kernel (no flip), then crop like Keras/TF."""
    kernel = weights["kernel"]                      # (kh, kw, out, in)
    (kh, kw), (sh, sw) = kernel.shape[:2], _pair(config.get("strides", 1))
    (h, w), filters = x.shape[:2], kernel.shape[2]
    full = np.zeros(((h - 1) * sh + max(kh, sh), (w - 1) * sw + max(kw, sw), filters))
    for i in range(h):
        for j in range(w):
            full[i * sh:i * sh + kh, j * sw:j * sw + kw] += np.einsum("abfc,c->abf", kernel, x[i, j])
    if config.get("padding", "valid") == "same":
        top, left = max(kh - sh, 0) // 2, max(kw - sw, 0) // 2
        y = full[top:top + h * sh, left:left + w * sw]
    else:
        y = full
    return _activation(config.get("activation", "linear"), _bias(config, weights, y))


def batch_normalization(config, weights, x):
    epsilon = config.get("epsilon", 1e-3)
    y = (x - weights["moving_mean"]) / np.sqrt(weights["moving_variance"] + epsilon)
    return y * weights["gamma"] + weights["beta"]


def cropping2d(config, weights, x):
    (top, bottom), (left, right) = config["cropping"]
    return x[top:x.shape[0] - bottom, left:x.shape[1] - right]


def zero_padding2d(config, weights, x):
    return np.pad(x, [*config["padding"], (0, 0)])


def _pool(config, x, reduce):
    assert config.get("padding", "valid") == "valid", "the reference pools without padding only"
    (ph, pw) = _pair(config.get("pool_size", 2))
    (sh, sw) = _pair(config.get("strides") or (ph, pw))
    oh, ow = (x.shape[0] - ph) // sh + 1, (x.shape[1] - pw) // sw + 1
    y = np.zeros((oh, ow, x.shape[2]))
    for i in range(oh):
        for j in range(ow):
            y[i, j] = reduce(x[i * sh:i * sh + ph, j * sw:j * sw + pw], axis=(0, 1))
    return y


def upsampling2d(config, weights, x):
    sh, sw = _pair(config.get("size", 2))
    return x.repeat(sh, axis=0).repeat(sw, axis=1)


def concatenate(config, weights, *xs):
    axis = config.get("axis", -1)
    return np.concatenate(xs, axis=axis - 1 if axis > 0 else axis)  # Keras counts the batch axis


LAYERS = {
    "Dense": dense,
    "Conv2D": conv2d,
    "Conv2DTranspose": conv2d_transpose,
    "BatchNormalization": batch_normalization,
    "Activation": lambda config, weights, x: _activation(config["activation"], x),
    "Reshape": lambda config, weights, x: x.reshape(config["target_shape"]),
    "Flatten": lambda config, weights, x: x.reshape(-1),
    "Permute": lambda config, weights, x: x.transpose([d - 1 for d in config["dims"]]),
    "Cropping2D": cropping2d,
    "ZeroPadding2D": zero_padding2d,
    "MaxPooling2D": lambda config, weights, x: _pool(config, x, np.max),
    "AveragePooling2D": lambda config, weights, x: _pool(config, x, np.mean),
    "GlobalAveragePooling2D": lambda config, weights, x: x.mean(axis=(0, 1)),
    "LeakyReLU": lambda config, weights, x: np.where(x > 0, x, config.get("alpha", 0.3) * x),
    "UpSampling2D": upsampling2d,
    "Add": lambda config, weights, *xs: sum(xs),
    "Concatenate": concatenate,
}
