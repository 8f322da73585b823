"""Write a KerasModel as a TensorFlow.js layers model, the files tf.loadLayersModel reads:

    tfjs/model.json               {"format": "layers-model", "generatedBy", "convertedBy",
                                   "modelTopology": {"keras_version", "backend", "model_config"},
                                   "weightsManifest": [{"paths": [...], "weights": [...]}]}
    tfjs/group1-shard1ofN.bin ... the weights, concatenated in manifest order, cut every 4 MB (or into 6)
                                  (as the tensorflowjs converter does: a browser caches each)

No TensorFlow and no `tensorflowjs` package: the format is written from what
@tensorflow/tfjs-layers 4.22 reads (node_modules/@tensorflow/tfjs-layers/dist/models.js,
engine/container.js, utils/serialization_utils.js; tfjs-core io/io_utils.js decodeWeights):

- modelTopology.model_config is the Keras 2.1 functional config ("class_name": "Model",
  "inbound_nodes" as [[[layer, 0, 0, {}], ...]]). tfjs camel-cases every key and every string
  value except layer names ("channels_last" -> "channelsLast", "hard_sigmoid" -> "hardSigmoid"),
  so the Keras spelling is the right one.
- Weights are looked up by name, `<layer>/<param>` without ":0" (a LayerVariable's originalName);
  loading is strict: every variable must be named and no name may be left over.
- Quantized weights carry {"dtype": "uint8"|"uint16", "min", "scale"} (tfjs decodes
  Float32Array(q * scale + min), computed in doubles) or {"dtype": "float16"}.

The lowered model is Keras 2.1; where tfjs-layers 4.22 computes something else, the graph is
rewritten exactly here (see `tfjs_layers`) or the layer is refused with an IrcError naming it.
"""

import json
import re
from dataclasses import dataclass, field

import numpy as np

import irc
from irc.errors import IrcError
from irc.lower.grouped import ungrouped
from irc.lower.keras_graph import json_default, pair
from irc.lower.shapes import KERAS_SHAPES
from irc.targets.quantize import uint8_affine

TFJS_DIR = "tfjs"
MODEL_JSON = "model.json"
SHARD_BYTES = 4 * 1024 * 1024          # the converter's default weight_shard_size_bytes
# tf.io.http requests every shard at once and reads no body before all headers are in;
# Chromium opens 6 HTTP/1.x connections per host, so a 7th shard never gets one and the
# load hangs. Larger models get 6 larger shards instead.
MAX_SHARDS = 6
KERAS_VERSION = "2.1.6"
TFJS_VERSION = "4.22.0"                # the @tensorflow/tfjs-layers whose reader this follows
QUANTIZED = {"uint8": np.uint8, "uint16": np.uint16, "float16": np.float16}

_KERNEL = ("Dense", "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose")
# tfjs-layers 4.22 has every layer class irc knows the Keras shape of (irc/lower/shapes.py) but these.
_LAYERS = frozenset(KERAS_SHAPES) - {"ZeroPadding1D", "ZeroPadding3D", "Cropping1D", "Cropping3D",
                                     "GlobalAveragePooling3D", "GlobalMaxPooling3D"}
# Activation identifiers tfjs-layers registers (activations.js), in Keras spelling.
_ACTIVATIONS = {"linear", "relu", "sigmoid", "tanh", "softplus", "softsign", "selu", "hard_sigmoid",
                "softmax", "elu"}


@dataclass
class TfjsLayer:
    name: str
    class_name: str
    config: dict
    inbound: list
    weights: list = field(default_factory=list)   # [(param, array, report name or None if made here)]


def write_tfjs(model, out_dir, quantization=None):
    """Write OUT/tfjs/; returns the files written, relative to out_dir (model.json first).
    quantization (irc.targets.quantize.Quantization): tensors it applies to are stored quantized,
    and it records each one's error as tfjs decodes it."""
    layers = tfjs_layers(model)
    directory = out_dir / TFJS_DIR
    directory.mkdir(exist_ok=True)
    entries, chunks = [], []
    for layer in layers:
        for param, array, report_name in layer.weights:
            entry, data = _encode(f"{layer.name}/{param}", array, report_name, quantization)
            entries.append(entry)
            chunks.append(data)
    paths = _write_shards(directory, chunks)
    model_json = {
        "format": "layers-model",
        "generatedBy": f"irc {irc.__version__} (Keras {KERAS_VERSION} model config)",
        "convertedBy": f"irc {irc.__version__}",
        "modelTopology": {"keras_version": KERAS_VERSION, "backend": "tensorflow",
                          "model_config": model_config(model.name, layers, model)},
        "weightsManifest": [{"paths": paths, "weights": entries}],
    }
    (directory / MODEL_JSON).write_text(json.dumps(model_json, default=json_default))
    return [f"{TFJS_DIR}/{MODEL_JSON}"] + [f"{TFJS_DIR}/{p}" for p in paths]


def model_config(name, layers, model):
    return {
        "class_name": "Model",
        "config": {
            "name": name,
            "layers": [{"name": layer.name, "class_name": layer.class_name,
                        "config": {**layer.config, "name": layer.name},
                        "inbound_nodes": [[[i, 0, 0, {}] for i in layer.inbound]] if layer.inbound else []}
                       for layer in layers],
            "input_layers": [[spec.layer, 0, 0] for spec in model.inputs],
            "output_layers": [[spec.layer, 0, 0] for spec in model.outputs],
        },
    }


# --- weights -------------------------------------------------------------------------------

def _encode(name, array, report_name, quantization):
    """-> (weightsManifest entry, bytes-like data)."""
    array = np.asarray(array, dtype=np.float32)
    entry = {"name": name, "shape": [int(d) for d in array.shape], "dtype": "float32"}
    if report_name is None or quantization is None or not quantization.applies_to(report_name, array.size):
        return entry, np.ascontiguousarray(array, dtype="<f4")
    mode = quantization.mode
    if mode == "float16":
        codes, meta, decoded = float16_codes(array, report_name)
    elif mode == "uint8":
        _, low, high = uint8_affine(array)          # the range irc chooses for uint8 (may clip rare tails)
        codes, meta, decoded = affine_codes(array, np.uint8, float(low), float(high))
    else:
        codes, meta, decoded = affine_codes(array, QUANTIZED[mode])
    quantization.record(report_name, array, decoded)
    entry["quantization"] = {"dtype": mode, **meta, "original_dtype": "float32"}
    return entry, codes


def affine_codes(array, dtype, low=None, high=None):
    """Affine quantization as the tensorflowjs converter does it (quantization.py): the range
    [low, high] (default: the tensor's min and max; values outside are clipped) split into
    255 (65535) steps, nudged so that 0 is a code when the range holds it (a zero weight, e.g.
    off a grouped convolution's block diagonal, stays exactly 0).
    -> (codes, {"min", "scale"}, what tfjs decodes: float32(q * scale + min) in doubles)."""
    top = np.iinfo(dtype).max
    if low is None:
        low, high = (float(array.min()), float(array.max())) if array.size else (0.0, 0.0)
    if low == high:
        codes, scale, start = np.zeros(array.shape, dtype), 1.0, low
    else:
        scale = (high - low) / top
        start = -float(np.round(-low / scale)) * scale if low <= 0 <= high else low
        exact = (array.astype(np.float64) - start) / scale
        codes = np.clip(np.round(exact), 0, top).astype(dtype)
    decoded = (codes.astype(np.float64) * scale + start).astype(np.float32)
    return codes.astype(np.dtype(dtype).newbyteorder("<")), {"min": start, "scale": scale}, decoded


def float16_codes(array, name):
    """IEEE half precision, round to nearest even; tfjs widens it back exactly."""
    finite = np.isfinite(array)
    if np.any(np.abs(array[finite]) > np.finfo(np.float16).max):
        raise IrcError(f"--quantize float16: weight {name} holds values up to "
                       f"{np.abs(array[finite]).max():.3g}, beyond float16's 65504; keep it in "
                       f"float32 with --quantize-keep '{re.escape(name)}'")
    codes = array.astype("<f2")
    return codes, {}, codes.astype(np.float32)


def _write_shards(directory, chunks):
    """Concatenate the chunks in order and cut them into SHARD_BYTES files (at most
    MAX_SHARDS of them), streaming."""
    views = [memoryview(np.ascontiguousarray(c)).cast("B") for c in chunks]
    total = sum(v.nbytes for v in views)
    shard_bytes = max(SHARD_BYTES, -(-total // MAX_SHARDS))
    count = -(-total // shard_bytes)
    names = [f"group1-shard{i + 1}of{count}.bin" for i in range(count)]
    files = iter(names)
    out, room = None, 0
    try:
        for view in views:
            while view.nbytes:
                if room == 0:
                    if out is not None:
                        out.close()
                    out, room = open(directory / next(files), "wb"), shard_bytes
                piece = view[:room]
                out.write(piece)
                room -= piece.nbytes
                view = view[piece.nbytes:]
    finally:
        if out is not None:
            out.close()
    return names


# --- the layer graph tfjs runs ---------------------------------------------------------------

def tfjs_layers(model):
    """The lowered layers as tfjs-layers 4.22 computes them, checked and rewritten exactly:

    - BatchNormalization along an axis other than the last: tfjs's cpu and wasm kernels
      cycle the parameters along the last axis whatever the layer's axis (a reshaped
      [1, C, 1, 1] mean is read as if it were [C]), so the layer runs between two Permutes
      that swap its axis last and back.
    - BatchNormalization whose divisor sqrt(variance + epsilon) is exactly 1 in float32 (the
      lowering's affine maps: 0.999f + 1e-3): tfjs's cpu kernel adds in doubles, where it is
      not, so it is stored as variance 0, epsilon 1 (exactly 1 in any precision).
    - Conv2D with groups: tfjs-layers' Conv2D has none; it is written with the block-diagonal
      kernel (irc/lower/grouped.py). DepthwiseConv2D is tfjs's own.
    - Subtract: tfjs-layers has no Subtract; a - b is Add(a, -b) with -b an exact
      BatchNormalization (gamma -1, mean 0, variance 0, epsilon 1).
    A rewritten layer's last layer keeps its name (so its consumers and the model's outputs
    are unchanged); its weights move to the inner layer (`<name>_last/gamma`), still reported
    under the lowered name.
    """
    shapes = {layer.name: layer.shape for layer in model.layers}       # set by lower()
    names = {layer.name for layer in model.layers}
    out = []
    for layer in model.layers:
        if layer.class_name == "Conv2D":
            layer = ungrouped(layer)
        check_layer(layer, shapes)
        weights = [(param, array, f"{layer.name}/{param}") for param, array in layer.weights]
        if layer.class_name == "BatchNormalization":
            out += _batch_norm(layer, weights, shapes[layer.inbound[0]], names)
        elif layer.class_name == "Subtract":
            out += _subtract(layer, shapes[layer.inbound[1]], names)
        else:
            out.append(TfjsLayer(layer.name, layer.class_name, dict(layer.config), list(layer.inbound), weights))
    return out


def _fresh(names, base):
    name, n = base, 1
    while name in names:
        name, n = f"{base}_{n}", n + 1
    names.add(name)
    return name


def _batch_norm(layer, weights, shape, names):
    config = dict(layer.config)
    params = {param: (array, report) for param, array, report in weights}
    epsilon = config.get("epsilon", 1e-3)
    variance = np.asarray(params["moving_variance"][0], dtype=np.float32)
    if np.all(variance + np.float32(epsilon) == np.float32(1)):
        config["epsilon"] = 1.0
        params["moving_variance"] = (np.zeros_like(variance), params["moving_variance"][1])
    weights = [(param, *params[param]) for param, _, _ in weights]
    rank = len(shape)
    axis = config.get("axis", -1)
    axis = axis - 1 if axis > 0 else axis + rank          # per sample, without the batch axis
    if axis == rank - 1:
        return [TfjsLayer(layer.name, "BatchNormalization", config, list(layer.inbound), weights)]
    dims = list(range(1, rank + 1))
    dims[axis], dims[rank - 1] = rank, axis + 1           # swap the axis last (an involution)
    to_last = TfjsLayer(_fresh(names, f"{layer.name}_to_last"), "Permute", {"dims": dims}, list(layer.inbound))
    norm = TfjsLayer(_fresh(names, f"{layer.name}_last"), "BatchNormalization", {**config, "axis": -1},
                     [to_last.name], weights)
    return [to_last, norm, TfjsLayer(layer.name, "Permute", {"dims": dims}, [norm.name])]


def _subtract(layer, shape, names):
    a, b = layer.inbound
    channels = shape[-1]
    negate = TfjsLayer(_fresh(names, f"{layer.name}_negate"), "BatchNormalization",
                       {"axis": -1, "epsilon": 1.0, "momentum": 0.99, "center": False, "scale": True}, [b],
                       [("gamma", np.full(channels, -1, np.float32), None),
                        ("moving_mean", np.zeros(channels, np.float32), None),
                        ("moving_variance", np.zeros(channels, np.float32), None)])
    return [negate, TfjsLayer(layer.name, "Add", {}, [a, negate.name])]


def _refuse(layer, reason):
    return IrcError(f"tfjs: layer '{layer.name}' ({layer.class_name}, from {layer.source or 'import'}): {reason}")


def expected_params(layer):
    """The variables tfjs-layers creates for this layer and config, in its order."""
    config, cls = layer.config, layer.class_name
    bias = ["bias"] if config.get("use_bias", True) else []
    if cls in _KERNEL:
        return ["kernel"] + bias
    if cls == "SeparableConv2D":
        return ["depthwise_kernel", "pointwise_kernel"] + bias
    if cls == "DepthwiseConv2D":
        return ["depthwise_kernel"] + bias
    if cls == "BatchNormalization":
        return (["gamma"] if config.get("scale", True) else []) + (["beta"] if config.get("center", True) else []) \
            + ["moving_mean", "moving_variance"]
    if cls == "PReLU":
        return ["alpha"]
    return []


def check_layer(layer, shapes):
    """Refuse what tfjs-layers 4.22 would reject at load time or compute differently."""
    cls, config = layer.class_name, layer.config
    if cls not in _LAYERS:
        raise _refuse(layer, f"tfjs-layers 4.22 has no {cls} layer that irc can emit")
    emitted = [param for param, _ in layer.weights]
    if emitted != expected_params(layer):
        raise _refuse(layer, f"has weights {emitted}, tfjs-layers creates {expected_params(layer)} for this config")
    if cls in ("Conv1D", "Conv2D", "Conv3D", "SeparableConv2D", "DepthwiseConv2D"):
        dilation, strides = pair(config.get("dilation_rate", 1)), pair(config.get("strides", 1))
        if any(d != 1 for d in dilation) and any(s != 1 for s in strides):
            raise _refuse(layer, f"dilation_rate {dilation} with strides {strides}: tfjs convolves with "
                                 "dilation only at stride 1")
    if cls == "Conv2DTranspose":
        if any(d != 1 for d in pair(config.get("dilation_rate", 1))):
            raise _refuse(layer, "a dilated transposed convolution: tfjs's Conv2DTranspose ignores dilation_rate")
        if config.get("output_padding") is not None:
            raise _refuse(layer, "output_padding: tfjs's Conv2DTranspose has none")
    if cls == "ELU" and config.get("alpha", 1.0) != 1.0:
        raise _refuse(layer, f"alpha {config['alpha']}: tfjs-layers' ELU implements alpha 1 only")
    if config.get("activation", "linear") not in _ACTIVATIONS:
        raise _refuse(layer, f"activation '{config.get('activation')}' is not one tfjs-layers has")
    if cls == "BatchNormalization" and not 1 <= len(shapes[layer.inbound[0]]) <= 3:
        raise _refuse(layer, f"a {len(shapes[layer.inbound[0]]) + 1}-D input: tfjs batch-normalizes "
                             "2-D to 4-D tensors only")
    if cls == "Subtract" and not 1 <= len(shapes[layer.inbound[1]]) <= 3:
        raise _refuse(layer, "a subtrahend of more than 4 dimensions (tfjs has no Subtract; irc negates "
                             "it with a BatchNormalization, which takes 2-D to 4-D tensors)")
    if cls == "Subtract" and shapes[layer.inbound[0]] != shapes[layer.inbound[1]]:
        raise _refuse(layer, f"operands of shapes {shapes[layer.inbound[0]]} and {shapes[layer.inbound[1]]}")
    if cls == "UpSampling2D":
        if config.get("interpolation", "nearest") != "nearest":
            raise _refuse(layer, "only nearest-neighbour upsampling is exact")
        _check_nearest(layer, shapes[layer.inbound[0]])


def _check_nearest(layer, shape):
    """tfjs's resizeNearestNeighbor reads source row floor(r * (in / out)) in doubles; for an
    integer scale that must be r // scale, which rounding can break for some sizes."""
    size = pair(layer.config.get("size", 2))
    spatial = shape[1:3] if layer.config.get("data_format") == "channels_first" else shape[0:2]
    for n, s in zip(spatial, size):
        out = n * s
        rows = np.floor(np.arange(out, dtype=np.float64) * (n / out)).astype(np.int64)
        if not np.array_equal(np.minimum(rows, n - 1), np.arange(out) // s):
            raise _refuse(layer, f"tfjs's nearest-neighbour resize of {n} cells by {s} reads the wrong "
                                 "source cells (floating-point rounding)")
