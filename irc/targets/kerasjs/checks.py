"""Checks that a KerasModel will compute the same thing in Keras.js 1.0 as in Keras.

Each check mirrors a specific piece of node_modules/keras-js/lib and raises IrcError
naming the layer and the fix, because Keras.js itself would fail late or silently.
"""

import re

from irc.errors import IrcError

# Layers whose Keras.js CPU implementation writes its result into the input's buffer
# (e.g. BatchNormalization.js: `new Tensor(x.tensor.data, ...)` shares memory).
_IN_PLACE = {"BatchNormalization", "LeakyReLU", "ELU", "PReLU", "ThresholdedReLU"}
_KERNEL_BIAS = {"Dense", "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose"}


def check_for_kerasjs(model):
    check_layer_configs(model)
    check_weight_lookup(model)
    check_outputs(model)
    check_in_place_layers(model)


def check_layer_configs(model):
    """Configs Keras.js's layer constructors throw on, at load time."""
    for layer in model.layers:
        if layer.config.get("groups", 1) != 1:
            raise IrcError(f"Keras.js: layer '{layer.name}' ({layer.class_name}, from {layer.source or 'import'}) "
                           f"has groups={layer.config['groups']}; Keras.js's convolutions ignore groups "
                           "(irc/targets/kerasjs/grouped.py writes them without)")
        if layer.class_name in ("Conv1D", "Conv2D", "Conv3D", "SeparableConv2D"):
            dilation, strides = _as_list(layer.config.get("dilation_rate", 1)), _as_list(layer.config.get("strides", 1))
            # Conv2D.js: "Incompatible combination of dilation_rate with strides." (as in Keras)
            if any(d != 1 for d in dilation) and any(s != 1 for s in strides):
                raise IrcError(f"Keras.js: layer '{layer.name}' ({layer.class_name}, from {layer.source or 'import'}) "
                               f"has dilation_rate {dilation} with strides {strides}; Keras.js supports "
                               "dilation only with stride 1")


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def weight_name(layer_name, param):
    return f"{layer_name}/{param}:0"


def weights_in_file_order(model):
    """(layer, param, array) in the order model.bin stores them; lookup depends on it."""
    for layer in model.layers:
        for param, array in layer.weights:
            yield layer, param, array


def kerasjs_params(layer):
    """The params Keras.js's layer class looks up (its `params` list) for this config."""
    config = layer.config
    if layer.class_name in _KERNEL_BIAS:
        return ["kernel", "bias"] if config.get("use_bias", True) else ["kernel"]
    if layer.class_name == "BatchNormalization":
        scale = ["gamma"] if config.get("scale", True) else []
        center = ["beta"] if config.get("center", True) else []
        return scale + center + ["moving_mean", "moving_variance"]
    return [param for param, _ in layer.weights]


def check_weight_lookup(model):
    """Model.js finds each weight with `new RegExp('^.*' + layer + '/' + param)` and takes
    the first weight name that matches, so `conv/kernel` can pick up `deconv/kernel:0`."""
    names = [weight_name(layer.name, param) for layer, param, _ in weights_in_file_order(model)]
    for layer in model.layers:
        emitted = [param for param, _ in layer.weights]
        wanted = kerasjs_params(layer)
        if sorted(emitted) != sorted(wanted):
            raise IrcError(f"Keras.js: layer '{layer.name}' ({layer.class_name}) has weights {emitted} "
                           f"but Keras.js reads {wanted} for this config")
        for param in wanted:
            _check_first_match(names, layer.name, param)


def _check_first_match(names, layer_name, param):
    lookup = f"{layer_name}/{param}"
    pattern = re.compile(f"^.*{lookup}")
    first = next(name for name in names if pattern.search(name))
    if first != weight_name(layer_name, param):
        raise IrcError(f"Keras.js would load weight '{first}' for '{lookup}' (it takes the first weight "
                       f"name matching /^.*{lookup}/); rename layer '{layer_name}' so no layer name "
                       f"ends with it")


def check_outputs(model):
    """Model.js ignores output_layers: the outputs are the layers nothing consumes."""
    consumed = {name for layer in model.layers for name in layer.inbound}
    declared = [spec.layer for spec in model.outputs]
    for name in declared:
        if name in consumed:
            raise IrcError(f"Keras.js: output layer '{name}' also feeds other layers, and Keras.js only "
                           f"returns layers without consumers; make the output a separate identity layer")
    for layer in model.layers:
        if layer.name not in consumed and layer.name not in declared:
            raise IrcError(f"Keras.js: layer '{layer.name}' has no consumers, so Keras.js would return "
                           f"it as an extra output; remove it or declare it an output")


def check_in_place_layers(model):
    """An in-place layer must be the only reader of its input's buffer contents: any other
    reader (or a model output sharing the buffer) sees the overwritten values or not,
    depending on Keras.js's traversal order."""
    state = {}    # layer -> the buffer contents its output is (the layer that wrote them)
    readers = {}  # buffer contents -> layers that read them, and outputs that return them
    for layer in model.layers:
        if _returns_its_input(layer):
            state[layer.name] = state[layer.inbound[0]]
            continue
        state[layer.name] = layer.name
        for source in dict.fromkeys(state[name] for name in layer.inbound):  # unique, in order
            readers.setdefault(source, []).append(layer.name)
    for spec in model.outputs:
        readers.setdefault(state[spec.layer], []).append(f"output '{spec.layer}'")
    for layer in model.layers:
        if layer.class_name in _IN_PLACE:
            others = [r for r in readers[state[layer.inbound[0]]] if r != layer.name]
            if others:
                raise IrcError(f"Keras.js: layer '{layer.name}' ({layer.class_name}) overwrites its input "
                               f"in place, but that input is also read by {', '.join(others)}; insert a "
                               f"copying layer (e.g. Reshape to the same shape) before '{layer.name}'")


def _returns_its_input(layer):
    # Activation.js returns the very input tensor for 'linear'. (Keras.js's Flatten of a
    # 1-D input and identity Permute do too, but they need shapes to detect.)
    return layer.class_name == "Activation" and layer.config.get("activation", "linear") == "linear"
