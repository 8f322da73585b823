"""Write a KerasModel as Keras.js 0.3.0's three files (node_modules/keras-js-legacy):

    model_arch.json      the Keras 2 (2.0.4) `model.to_json()` of a functional Model: Model.js
                         builds its graph from config.layers[*].inbound_nodes[0][*][0]
    model_weights.buf    every weight as little-endian float32, concatenated (encoder.py)
    model_metadata.json  [{layer_name, weight_name, offset (bytes), length (floats), shape, type}]

Model.js gives a layer the first metadata entry whose weight_name matches
`new RegExp('^' + layer + '/' + param)`, for each name in the layer class's `params`
(PReLU's is `alphas`, where Keras 2 names the weight `alpha`). Everything else 0.3.0
would get wrong is refused here, one layer at a time (check_for_kerasjs_legacy), reading
the shapes the lowering set (layer.shape) because most of its quirks depend on them:

- Model._traverseDAG copies every layer's input as `new Tensor(x.tensor.data, x.tensor.shape)`
  (copyBeforeCall is always true: the layer itself is one of its input's consumers), and
  predict() returns `result.tensor.data`. Both read the raw buffer in memory order, so a
  layer whose result is a strided view is read scrambled: Permute (a transpose view) and
  the channels_first Cropping2D / ZeroPadding2D / UpSampling2D / pooling layers (which
  transpose back at the end) are refused unless the view is already in memory order.
  The same copy means no layer can overwrite another's input: 1.0's in-place hazard is gone,
  and 0.3.0 concatenates on any axis: the lowered model is written as it is (nothing of
  irc/targets/kerasjs/legalize.py applies).
- Conv2D / Conv2DTranspose with channels_first transpose the kernel as if it were
  Theano-ordered; Conv2DTranspose ignores dilation_rate.
- Dense multiplies a 1-D input only; softmax handles 1-D and 2-D only.
- merges need equal shapes (no broadcasting); there is no Subtract, Minimum, selu.
- AveragePooling2D 'same' on the CPU subtracts the padding of one side only from the
  divisor, which is wrong for a window hanging over both sides.

Its CPU path (Node, or a browser with gpu: false) is what these checks follow; the weblas
GPU path is not run by irc.
"""

import json
import re

import numpy as np

from irc.errors import IrcError
from irc.keras_semantics.pooling import keras_windows
from irc.lower.keras_graph import json_default, pair
from irc.targets.kerasjs.checks import check_outputs, weights_in_file_order
from irc.targets.kerasjs.writer import model_config

ARCH, WEIGHTS, METADATA = "model_arch.json", "model_weights.buf", "model_metadata.json"
FILES = [ARCH, WEIGHTS, METADATA]
KERAS_VERSION = "2.0.4"  # the Keras whose to_json() Keras.js 0.3.0 reads (its README)

# keras-js-legacy/lib/activations.js
ACTIVATIONS = {"linear", "relu", "sigmoid", "tanh", "softmax", "softplus", "softsign", "elu", "hard_sigmoid"}
# Keras 2 weight name -> the name in 0.3.0's `params` list, where they differ
PARAM_NAMES = {("PReLU", "alpha"): "alphas"}


def write_legacy_files(model, out_dir):
    """-> the file names written to out_dir (FILES)."""
    check_for_kerasjs_legacy(model)
    arch = model_config(model)
    arch["keras_version"] = KERAS_VERSION
    metadata, offset = [], 0
    with open(out_dir / WEIGHTS, "wb") as file:
        for layer, param, array in weights_in_file_order(model):
            data = np.ascontiguousarray(array, dtype="<f4")   # a view unless a copy is needed
            file.write(memoryview(data).cast("B"))
            metadata.append({"layer_name": layer.name, "weight_name": legacy_weight_name(layer, param),
                             "offset": offset, "length": int(data.size), "shape": list(data.shape),
                             "type": "float32"})
            offset += data.nbytes
    (out_dir / ARCH).write_text(json.dumps(arch, sort_keys=True, default=json_default))
    (out_dir / METADATA).write_text(json.dumps(metadata, sort_keys=True))
    return list(FILES)


def legacy_weight_name(layer, param):
    return f"{layer.name}/{PARAM_NAMES.get((layer.class_name, param), param)}:0"


def check_for_kerasjs_legacy(model):
    """Raise IrcError for the first thing Keras.js 0.3.0 cannot run exactly."""
    shapes = {}
    for layer in model.layers:
        _require(layer, layer.name not in shapes, "another layer has this name; Model.js keys layers by name")
        if layer.class_name not in _CHECKS:
            raise _refuse(layer, f"Keras.js 0.3.0 has no {layer.class_name} layer (or irc does not emit it for 0.3.0)")
        inputs = [shapes[name] for name in layer.inbound]
        _CHECKS[layer.class_name](layer, inputs)
        _check_weights(layer, inputs)
        shapes[layer.name] = list(layer.shape)
    _check_weight_lookup(model)
    check_outputs(model)


def _refuse(layer, why):
    return IrcError(f"kerasjs-legacy: layer '{layer.name}' ({layer.class_name}, from "
                    f"{layer.source or 'import'}): {why}")


def _require(layer, condition, why):
    if not condition:
        raise _refuse(layer, why)


def _in_memory_order(shape, perm):
    """Whether shape's contiguous data transposed by perm is still in row-major order, i.e.
    the axes longer than 1 keep their order."""
    kept = [axis for axis in perm if shape[axis] != 1]
    return kept == sorted(kept)


def _one_input(layer, inputs, rank=None):
    _require(layer, len(inputs) == 1, f"takes one input, has {len(inputs)}")
    if rank is not None:
        _require(layer, len(inputs[0]) == rank,
                 f"Keras.js 0.3.0 implements it for {rank}-D inputs only, this one is {list(inputs[0])}")
    return list(inputs[0])


def _activation(layer, name, shape):
    _require(layer, name in ACTIVATIONS, f"activation '{name}' does not exist in Keras.js 0.3.0")
    _require(layer, name != "softmax" or len(shape) <= 2,
             f"Keras.js 0.3.0's softmax handles 1-D and 2-D tensors, this one is {list(shape)}")


def _hwc(layer, shape):
    return [shape[1], shape[2], shape[0]] if layer.config.get("data_format") == "channels_first" else list(shape)


def _require_memory_order_view(layer):
    """Spatial layers with channels_first compute in HWC and return a CHW view of it."""
    if layer.config.get("data_format", "channels_last") == "channels_first":
        _require(layer, _in_memory_order(_hwc(layer, layer.shape), (2, 0, 1)),
                 "with channels_first Keras.js 0.3.0 returns a transposed view, which the next layer and "
                 "predict() read in memory order; use channels_last")


def _require_channels_last_kernel(layer):
    _require(layer, layer.config.get("data_format", "channels_last") == "channels_last",
             "with channels_first Keras.js 0.3.0 transposes the kernel as if it were Theano's")


# Per layer class: refuse what 0.3.0 computes otherwise than Keras does (inputs: their
# shapes, without the batch axis; the layer's own is layer.shape).

def _input(layer, inputs):
    shape = layer.config.get("batch_input_shape", [None])[1:]
    _require(layer, shape and all(isinstance(d, (int, np.integer)) and d > 0 for d in shape),
             f"needs a fixed input shape, has {shape}")


def _dense(layer, inputs):
    _one_input(layer, inputs, rank=1)
    _activation(layer, layer.config.get("activation", "linear"), layer.shape)


def _conv2d(layer, inputs):
    h, w, _ = _one_input(layer, inputs, rank=3)
    config = layer.config
    _require_channels_last_kernel(layer)
    sh, sw = pair(config.get("strides", 1))
    dh, dw = pair(config.get("dilation_rate", 1))
    padding = config.get("padding", "valid")
    _require(layer, padding in ("valid", "same"), f"padding '{padding}'")
    _require(layer, (dh, dw) == (1, 1) or (sh, sw) == (1, 1), "dilation_rate with strides")
    _activation(layer, config.get("activation", "linear"), [h, w])
    _require(layer, min(layer.shape[:2]) > 0, f"the kernel does not fit the input {inputs[0]}")


def _conv2d_transpose(layer, inputs):
    h, w, _ = _one_input(layer, inputs, rank=3)
    config = layer.config
    _require_channels_last_kernel(layer)
    _require(layer, pair(config.get("dilation_rate", 1)) == [1, 1], "Keras.js 0.3.0 ignores dilation_rate")
    _require(layer, config.get("output_padding") is None, "Keras.js 0.3.0 has no output_padding")
    padding = config.get("padding", "valid")
    _require(layer, padding in ("valid", "same"), f"padding '{padding}'")
    _activation(layer, config.get("activation", "linear"), [h, w])


def _batch_norm(layer, inputs):
    shape = _one_input(layer, inputs)
    axis = layer.config.get("axis", -1)
    _require(layer, -len(shape) <= axis <= len(shape) and axis != 0,
             f"axis {axis} is not a feature axis of a {len(shape)}-D input")


def _activation_layer(layer, inputs):
    _activation(layer, layer.config.get("activation", "linear"), _one_input(layer, inputs))


def _elementwise(layer, inputs):
    _one_input(layer, inputs)


def _prelu(layer, inputs):
    _one_input(layer, inputs)
    _require(layer, not layer.config.get("shared_axes"), "Keras.js 0.3.0 has no shared_axes")


def _reshape(layer, inputs):
    shape, target = _one_input(layer, inputs), list(layer.config["target_shape"])
    _require(layer, all(d > 0 for d in target), f"Keras.js 0.3.0 takes no -1 in target_shape {target}")
    _require(layer, np.prod(target) == np.prod(shape), f"target_shape {target} does not hold {shape}")


def _flatten(layer, inputs):
    _one_input(layer, inputs)


def _permute(layer, inputs):
    shape = _one_input(layer, inputs)
    perm = [d - 1 for d in layer.config["dims"]]
    _require(layer, sorted(perm) == list(range(len(shape))), f"dims {layer.config['dims']} for {shape}")
    _require(layer, _in_memory_order(shape, perm),
             f"Keras.js 0.3.0 returns a transposed view of {shape}, which the next layer and predict() "
             "read in memory order")


def _repeat_vector(layer, inputs):
    _one_input(layer, inputs, rank=1)


def _pooling(layer, inputs):
    h, w, c = _hwc(layer, _one_input(layer, inputs, rank=3))
    config = layer.config
    (kh, kw) = pair(config.get("pool_size", 2))
    (sh, sw) = pair(config.get("strides") or (kh, kw))
    padding = config.get("padding", "valid")
    _require(layer, padding in ("valid", "same"), f"padding '{padding}'")
    if padding == "same" and layer.class_name == "AveragePooling2D":
        for m, k, s in ((h, kh, sh), (w, kw, sw)):
            exact = all(real == cpu for _, real, cpu in keras_windows(list(range(m)), k, s, "same"))
            _require(layer, exact, f"a {k}-window with stride {s} over {m} cells overhangs both ends; "
                                   "Keras.js 0.3.0 then leaves only one side's padding out of the divisor")
    _require(layer, min(_hwc(layer, layer.shape)[:2]) > 0, f"the pool does not fit the input {inputs[0]}")
    _require_memory_order_view(layer)


def _global_pooling(layer, inputs):
    _one_input(layer, inputs, rank=3)


def _cropping(layer, inputs):
    _one_input(layer, inputs, rank=3)
    _require(layer, min(_hwc(layer, layer.shape)[:2]) > 0,
             f"cropping {layer.config.get('cropping')} leaves nothing of {inputs[0]}")
    _require_memory_order_view(layer)


def _zero_padding(layer, inputs):
    _one_input(layer, inputs, rank=3)
    _require_memory_order_view(layer)


def _upsampling(layer, inputs):
    _one_input(layer, inputs, rank=3)
    _require(layer, layer.config.get("interpolation", "nearest") == "nearest",
             "Keras.js 0.3.0 upsamples by nearest neighbour only")
    _require_memory_order_view(layer)


def _merge(layer, inputs):
    _require(layer, len(inputs) >= 2, f"merges {len(inputs)} input")
    _require(layer, all(shape == inputs[0] for shape in inputs),
             f"Keras.js 0.3.0 merges equal shapes only (no broadcasting), these are {[list(s) for s in inputs]}")


def _concatenate(layer, inputs):
    _require(layer, len(inputs) >= 2, f"concatenates {len(inputs)} input")
    rank, axis = len(inputs[0]), layer.config.get("axis", -1)
    _require(layer, axis != 0 and -rank <= axis <= rank, f"axis {axis} is not a feature axis of {rank}-D inputs")
    axis = axis - 1 if axis > 0 else rank + axis
    rest = [[d for i, d in enumerate(shape) if i != axis] for shape in inputs]
    _require(layer, all(len(s) == rank for s in inputs) and all(r == rest[0] for r in rest),
             f"shapes {[list(s) for s in inputs]} differ off axis {axis + 1}")


_CHECKS = {
    "InputLayer": _input, "Dense": _dense, "Conv2D": _conv2d, "Conv2DTranspose": _conv2d_transpose,
    "BatchNormalization": _batch_norm, "Activation": _activation_layer,
    "LeakyReLU": _elementwise, "ELU": _elementwise, "ThresholdedReLU": _elementwise, "PReLU": _prelu,
    "Reshape": _reshape, "Flatten": _flatten, "Permute": _permute, "RepeatVector": _repeat_vector,
    "MaxPooling2D": _pooling, "AveragePooling2D": _pooling,
    "GlobalAveragePooling2D": _global_pooling, "GlobalMaxPooling2D": _global_pooling,
    "Cropping2D": _cropping, "ZeroPadding2D": _zero_padding, "UpSampling2D": _upsampling,
    "Add": _merge, "Multiply": _merge, "Average": _merge, "Maximum": _merge, "Concatenate": _concatenate,
}


def _legacy_params(layer, inputs):
    """{param 0.3.0 reads: the shape it needs} for this config (its layer class's `params`)."""
    config = layer.config
    if layer.class_name == "Dense":
        params = {"kernel": (inputs[0][0], config["units"]), "bias": (config["units"],)}
    elif layer.class_name in ("Conv2D", "Conv2DTranspose"):
        kernel, filters, channels = pair(config["kernel_size"]), config["filters"], inputs[0][2]
        order = (filters, channels) if layer.class_name == "Conv2DTranspose" else (channels, filters)
        params = {"kernel": (*kernel, *order), "bias": (filters,)}
    elif layer.class_name == "BatchNormalization":
        axis = config.get("axis", -1)
        channels = (inputs[0][axis] if axis < 0 else inputs[0][axis - 1],)
        params = {name: channels for name in ("gamma", "beta", "moving_mean", "moving_variance")}
        params = {name: shape for name, shape in params.items()
                  if (name != "gamma" or config.get("scale", True)) and (name != "beta" or config.get("center", True))}
        return params
    elif layer.class_name == "PReLU":
        return {"alpha": tuple(inputs[0])}
    else:
        return {}
    if not config.get("use_bias", True):
        del params["bias"]
    return params


def _check_weights(layer, inputs):
    wanted = _legacy_params(layer, inputs)
    have = {param: tuple(np.shape(array)) for param, array in layer.weights}
    _require(layer, sorted(have) == sorted(wanted),
             f"has weights {sorted(have)} but Keras.js 0.3.0 reads {sorted(wanted)} for this config")
    for param, shape in wanted.items():
        _require(layer, tuple(shape) == have[param], f"weight {param} has shape {list(have[param])}, "
                                                     f"Keras.js 0.3.0 needs {list(shape)}")


def _check_weight_lookup(model):
    """Model.js: find(metadata, meta => new RegExp(`^${layer}/${param}`).test(meta.weight_name))."""
    names = [legacy_weight_name(layer, param) for layer, param, _ in weights_in_file_order(model)]
    for layer in model.layers:
        for param, _ in layer.weights:
            lookup = f"{layer.name}/{PARAM_NAMES.get((layer.class_name, param), param)}"
            try:
                pattern = re.compile(f"^{lookup}")
            except re.error:
                raise _refuse(layer, "its name is not a valid regular expression, which Keras.js 0.3.0 "
                                     "looks weights up with") from None
            first = next(name for name in names if pattern.search(name))
            _require(layer, first == legacy_weight_name(layer, param),
                     f"Keras.js 0.3.0 would load weight '{first}' for '{lookup}' (the first weight name "
                     f"matching /^{lookup}/); rename the layer")
