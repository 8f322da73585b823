"""Hand-built KerasModels with random weights, shared by the emitter tests.

Shapes keep H, W and C distinct so that any axis mix-up changes the numbers.
"""

import numpy as np

from irc.lower.keras_graph import KerasLayer, KerasModel, KerasTensorSpec
from irc.lower.shapes import set_shapes


def input_layer(name, shape):
    config = {"batch_input_shape": [None, *shape], "dtype": "float32", "sparse": False}
    return KerasLayer(name, "InputLayer", config, source=name)


def layer(name, class_name, config, inbound, weights=()):
    weights = [(param, np.asarray(array, dtype=np.float32)) for param, array in weights]
    return KerasLayer(name, class_name, config, list(inbound), weights, source=name)


def spec(layer_name, shape):
    shape = (1, *shape)
    return KerasTensorSpec(layer_name, layer_name, shape, shape, tuple(range(len(shape))))


def keras_model(name, layers, inputs, outputs):
    """inputs/outputs: [(layer name, shape without batch)]. Layer shapes are Keras's, as
    lower() sets them."""
    return set_shapes(KerasModel(name, layers, [spec(*i) for i in inputs], [spec(*o) for o in outputs]))


def random_inputs(model, rng):
    return {s.layer: rng.standard_normal(s.shape[1:]).astype(np.float32) for s in model.inputs}


def _kernel(rng, shape, fan_in):
    return rng.standard_normal(shape) / np.sqrt(fan_in)


def _kernel_bias(rng, shape, fan_in, filters):
    return [("kernel", _kernel(rng, shape, fan_in)), ("bias", 0.1 * rng.standard_normal(filters))]


def _batch_norm_weights(rng, channels):
    # moving_variance far below 1, so epsilon visibly matters and sqrt(var) != var.
    return [("gamma", rng.uniform(0.1, 0.3, channels)), ("beta", 0.2 * rng.standard_normal(channels)),
            ("moving_mean", 0.5 * rng.standard_normal(channels)),
            ("moving_variance", rng.uniform(0.02, 0.1, channels))]


def generator_model(rng):
    """Dense, BatchNorm, ReLU, Reshape, 'same' deconv, crop, 'valid' conv, sigmoid."""
    layers = [
        input_layer("z", (7,)),
        layer("fc", "Dense", {"units": 60, "activation": "linear", "use_bias": True}, ["z"],
              _kernel_bias(rng, (7, 60), 7, 60)),
        layer("bn", "BatchNormalization", {"axis": -1, "epsilon": 0.01, "center": True, "scale": True},
              ["fc"], _batch_norm_weights(rng, 60)),
        layer("relu", "Activation", {"activation": "relu"}, ["bn"]),
        layer("reshape", "Reshape", {"target_shape": [4, 3, 5]}, ["relu"]),
        layer("deconv", "Conv2DTranspose", {"filters": 6, "kernel_size": [4, 4], "strides": [2, 2],
                                            "padding": "same", "activation": "linear", "use_bias": True},
              ["reshape"], _kernel_bias(rng, (4, 4, 6, 5), 5 * 4, 6)),
        layer("crop", "Cropping2D", {"cropping": [[1, 0], [0, 2]]}, ["deconv"]),
        layer("conv2", "Conv2D", {"filters": 2, "kernel_size": [3, 3], "strides": [1, 1],
                                  "padding": "valid", "activation": "linear", "use_bias": True},
              ["crop"], _kernel_bias(rng, (3, 3, 6, 2), 9 * 6, 2)),
        layer("out", "Activation", {"activation": "sigmoid"}, ["conv2"]),
    ]
    return keras_model("generator", layers, [("z", (7,))], [("out", (5, 2, 2))])


def deconv_model(rng):
    """Transposed convolutions: non-square kernels and strides, 'valid' with kernel
    larger and smaller than the stride, 'same' with an odd kernel, no bias."""
    def deconv(name, inbound, in_channels, filters, kernel, strides, padding, use_bias=True):
        shape = (*kernel, filters, in_channels)
        weights = _kernel_bias(rng, shape, in_channels, filters) if use_bias else [
            ("kernel", _kernel(rng, shape, in_channels))]
        config = {"filters": filters, "kernel_size": list(kernel), "strides": list(strides),
                  "padding": padding, "activation": "linear", "use_bias": use_bias}
        return layer(name, "Conv2DTranspose", config, [inbound], weights)

    layers = [
        input_layer("x", (3, 4, 2)),
        deconv("up_a", "x", 2, 3, (3, 2), (2, 1), "valid"),             # -> (7, 5, 3)
        deconv("up_b", "up_a", 3, 2, (3, 3), (2, 2), "same"),           # -> (14, 10, 2)
        deconv("up_c", "up_b", 2, 2, (1, 2), (2, 3), "valid", False),   # -> (28, 30, 2)
    ]
    return keras_model("deconvs", layers, [("x", (3, 4, 2))], [("up_c", (28, 30, 2))])


def flatten_model(rng):
    layers = [
        input_layer("image", (4, 3, 5)),
        layer("conv", "Conv2D", {"filters": 3, "kernel_size": [2, 3], "strides": [2, 1],
                                 "padding": "same", "activation": "relu", "use_bias": True},
              ["image"], _kernel_bias(rng, (2, 3, 5, 3), 6 * 5, 3)),       # -> (2, 3, 3)
        layer("flat", "Flatten", {}, ["conv"]),
        layer("logits", "Dense", {"units": 4, "activation": "tanh", "use_bias": True}, ["flat"],
              _kernel_bias(rng, (18, 4), 18, 4)),
    ]
    return keras_model("flatten", layers, [("image", (4, 3, 5))], [("logits", (4,))])


def permute_model(rng):
    layers = [
        input_layer("image", (4, 3, 5)),
        layer("to_chw", "Permute", {"dims": [3, 1, 2]}, ["image"]),          # -> (5, 4, 3)
        layer("conv", "Conv2D", {"filters": 2, "kernel_size": [2, 2], "padding": "valid",
                                 "activation": "linear", "use_bias": True},
              ["to_chw"], _kernel_bias(rng, (2, 2, 3, 2), 4 * 3, 2)),      # -> (4, 3, 2)
        layer("swap", "Permute", {"dims": [2, 1, 3]}, ["conv"]),             # -> (3, 4, 2)
    ]
    return keras_model("permute", layers, [("image", (4, 3, 5))], [("swap", (3, 4, 2))])


def branchy_model(rng):
    """Two inputs, two outputs declared in reverse alphabetical order, merges, pools."""
    layers = [
        input_layer("img", (6, 5, 3)),
        input_layer("vec", (5,)),
        layer("pad", "ZeroPadding2D", {"padding": [[1, 1], [2, 0]]}, ["img"]),   # -> (8, 7, 3)
        layer("c1", "Conv2D", {"filters": 4, "kernel_size": [3, 3], "padding": "same",
                               "activation": "linear", "use_bias": True},
              ["pad"], _kernel_bias(rng, (3, 3, 3, 4), 27, 4)),
        layer("lrelu", "LeakyReLU", {"alpha": 0.2}, ["c1"]),
        layer("maxp", "MaxPooling2D", {"pool_size": [2, 2], "padding": "valid"}, ["lrelu"]),  # (4, 3, 4)
        layer("avgp", "AveragePooling2D", {"pool_size": [2, 2], "padding": "valid"}, ["lrelu"]),
        layer("sum", "Add", {}, ["maxp", "avgp"]),
        layer("cat", "Concatenate", {"axis": -1}, ["maxp", "sum"]),                # -> (4, 3, 8)
        layer("up", "UpSampling2D", {"size": [2, 2]}, ["cat"]),                    # -> (8, 6, 8)
        layer("gap", "GlobalAveragePooling2D", {}, ["up"]),
        layer("zz_img", "Dense", {"units": 3, "activation": "linear", "use_bias": True}, ["gap"],
              _kernel_bias(rng, (8, 3), 8, 3)),
        layer("aa_vec", "Dense", {"units": 2, "activation": "relu", "use_bias": True}, ["vec"],
              _kernel_bias(rng, (5, 2), 5, 2)),
    ]
    return keras_model("branchy", layers, [("img", (6, 5, 3)), ("vec", (5,))],
                       [("zz_img", (3,)), ("aa_vec", (2,))])


ALL_MODELS = [generator_model, deconv_model, flatten_model, permute_model, branchy_model]
