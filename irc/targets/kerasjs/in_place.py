"""Copies in front of Keras.js's in-place layers.

Keras.js's CPU BatchNormalization, LeakyReLU, ELU, PReLU and ThresholdedReLU write their
result into their input's buffer (`this.output = x`, or `new Tensor(x.tensor.data, ...)`),
so any other reader of that input (a residual Add, a second branch, a model output) sees
overwritten values or not depending on the order Keras.js happens to run layers in.
When an in-place layer's input has another reader, this step feeds the layer through a
Reshape to the same shape instead: Reshape.js always allocates a new tensor and copies the
data into it (`replaceTensorData`), so the in-place layer then owns its buffer.
irc/targets/kerasjs/checks.py (check_in_place_layers) verifies the result independently.
"""


IN_PLACE = {"BatchNormalization", "LeakyReLU", "ELU", "PReLU", "ThresholdedReLU"}


def copy_inputs_of_in_place_layers(work):
    """Insert a copying Reshape before every in-place layer that shares its input
    (`work`: irc/targets/kerasjs/legalize.py's Legalization)."""
    for layer in [layer for layer in work.layers if layer.class_name in IN_PLACE]:
        if _other_readers(work.layers, work.outputs, layer):
            _insert_copy(work, layer)


def _other_readers(layers, outputs, target):
    """Readers of the buffer contents `target` reads, other than `target` itself."""
    contents = {}                    # layer -> the layer whose write its output is
    readers = {}
    for layer in layers:
        if _returns_its_input(layer):
            contents[layer.name] = contents[layer.inbound[0]]
            continue
        contents[layer.name] = layer.name
        for source in dict.fromkeys(contents[name] for name in layer.inbound):
            readers.setdefault(source, []).append(layer.name)
    for spec in outputs:
        readers.setdefault(contents[spec.layer], []).append(f"output {spec.layer}")
    return [r for r in readers.get(contents[target.inbound[0]], []) if r != target.name]


def _returns_its_input(layer):
    # Activation.js hands back its very input for 'linear' (the output taps use it).
    return layer.class_name == "Activation" and layer.config.get("activation", "linear") == "linear"


def _insert_copy(work, layer):
    # An in-place layer's output has its input's shape.
    copy = work.add_before(layer, f"{layer.name}_copy", "Reshape", {"target_shape": list(layer.shape)},
                           layer.inbound, layer.shape, f"copy of the input of in-place layer {layer.name}")
    layer.inbound = [copy.name]
