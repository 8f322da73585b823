"""IR -> KerasModel. One rule per IR op (irc/lower/rules.py); a rule reads what the passes
decided (layouts, padding modes) and never re-derives it: it refuses what it cannot map."""

import numpy as np

from irc.errors import IrcError
from irc.ir import layout as L
from irc.lower import rules  # noqa: F401  (registers the rules)
from irc.lower.keras_graph import KerasLayer, KerasModel, KerasTensorSpec
from irc.lower.naming import LayerNamer
from irc.lower.registry import RULES
from irc.lower.shapes import set_shapes


class LowerContext:
    def __init__(self, graph):
        self.graph = graph
        self.layers = []
        self.producer = {}          # IR value -> Keras layer name
        self.name = LayerNamer()

    def add_layer(self, node, class_name, config, inputs=None, weights=(), label=None, inbound=None):
        """Add a layer reading `inputs` (IR values, default: the node's activation inputs),
        or `inbound` (names of layers added before, for ops lowered to several layers)."""
        if inbound is None:
            inputs = inputs if inputs is not None else self.activation_inputs(node)
            inbound = [self.producer[i] for i in inputs]
        layer = KerasLayer(self.name(label or node.label or node.name), class_name, config,
                           list(inbound), list(weights), node.origin)
        self.layers.append(layer)
        return layer

    def activation_inputs(self, node):
        return [i for i in node.inputs if not self.graph.value(i).is_const]

    def weight(self, node, index, expected_layout):
        value = self.graph.value(node.inputs[index])
        if value.layout != expected_layout:
            raise self.refuse(node, f"weight {value.name} is @{value.layout}, Keras needs @{expected_layout}")
        return np.ascontiguousarray(value.data, dtype=np.float32)

    def value(self, node, index=0):
        return self.graph.value(node.inputs[index])

    def refuse(self, node, reason):
        return IrcError(f"node {node.name} ({node.op}, from {node.origin or 'import'}): "
                        f"cannot lower to Keras.js: {reason}")


def lower(graph):
    ctx = LowerContext(graph)
    inputs = [_input_layer(ctx, name) for name in graph.inputs]
    for node in graph.nodes():
        rule = RULES.get(node.op)
        if rule is None:
            raise ctx.refuse(node, f"no Keras lowering for op {node.op}")
        layer = rule(ctx, node)
        if layer is None:                      # nothing to do at run time: the input is the result
            ctx.producer[node.outputs[0]] = ctx.producer[node.inputs[0]]
        else:
            _hold(ctx, layer, node.outputs[0])
            ctx.producer[node.outputs[0]] = layer.name
    outputs = [_output_spec(ctx, name) for name in graph.outputs]
    return _with_shapes(KerasModel(graph.name, ctx.layers, inputs, outputs))


def _hold(ctx, layer, name):
    """Record that `layer`'s output is IR value `name`, and so has its shape."""
    layer.value = name
    # A value of the batch axis alone is one number per sample: Keras holds it as (1,).
    layer.shape = tuple(ctx.graph.value(name).shape[1:]) or (1,)


def _with_shapes(model):
    """Every layer's shape: the IR's where it holds a value (checked against Keras's), else Keras's."""
    set_shapes(model)
    for layer in model.layers:
        if layer.shape is None:
            raise IrcError(f"layer '{layer.name}' ({layer.class_name}, from {layer.source or 'import'}): irc "
                           "knows no Keras output shape for this class (irc/lower/shapes.py) and it holds no IR value")
    return model


def _input_layer(ctx, name):
    value = ctx.graph.value(name)
    _require_batch_one(value)
    layer = KerasLayer(ctx.name(name), "InputLayer",
                       {"batch_input_shape": [None, *value.shape[1:]], "dtype": "float32", "sparse": False},
                       source=f"input {name}")
    _hold(ctx, layer, name)
    ctx.layers.append(layer)
    ctx.producer[name] = layer.name
    return _spec(value, layer.name)


def _output_spec(ctx, name):
    value = ctx.graph.value(name)
    layer_name = ctx.producer[name]
    if any(layer_name in layer.inbound for layer in ctx.layers):
        # Keras.js returns only layers nothing reads from: tap the value with an identity.
        tap = KerasLayer(ctx.name(f"{name}_out"), "Activation", {"activation": "linear"},
                         [layer_name], source=f"output {name}")
        _hold(ctx, tap, name)
        ctx.layers.append(tap)
        layer_name = tap.name
    return _spec(value, layer_name)


def _spec(value, layer_name):
    _require_batch_one(value)
    perm = _source_perm(value)
    source_shape = tuple(value.shape[perm.index(i)] for i in range(len(perm)))
    return KerasTensorSpec(layer_name, value.name, tuple(value.shape), source_shape, perm)


def _source_perm(value):
    """The perm with runtime = source.transpose(perm), for the manifest.

    A flattened 2D value (N(C4H7W6)) holds its features in the order its group names: that
    is the source's order (identity perm) only when the group is the source's own order."""
    source = L.SOURCE_ACTIVATION[len(value.shape)]
    parts = L.axes(value.layout)
    if len(parts) == 2 and parts[1].startswith("("):
        letters = L.group_letters(value.layout, 1)
        if letters and "N" + letters == L.SOURCE_ACTIVATION.get(len(letters) + 1):
            return (0, 1)
    try:
        return L.perm(source, value.layout)
    except ValueError:
        raise IrcError(f"tensor {value.name} is stored @{value.layout}, which is not a transpose of the "
                       f"source layout {source}; irc cannot hand it to the caller as a model "
                       "input or output") from None


def _require_batch_one(value):
    if value.shape[0] != 1:
        raise IrcError(f"tensor {value.name} has batch size {value.shape[0]}; Keras.js runs one "
                       "sample at a time: compile with batch size 1 (--input-shape 1,...)")
