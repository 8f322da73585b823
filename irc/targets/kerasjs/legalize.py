"""The model as Keras.js 1.0 gets it: a copy of the lowered model with what only Keras.js
needs added (the lowered model is what every other target gets, unchanged):

- grouped Conv2D and DepthwiseConv2D (which Keras.js lacks) become SeparableConv2D with a 0/1
  pointwise kernel, or a block-diagonal Conv2D (irc/targets/kerasjs/grouped.py);
- Concatenations off the last axis go through Permutes (irc/targets/kerasjs/concat_permutes.py);
- in-place layers sharing their input read a copy of it (irc/targets/kerasjs/in_place.py);
- Dense layers wider than a WebGL texture run in column groups (irc/targets/kerasjs/wide_dense.py).

Layers holding a model output keep their names (the manifest names outputs by the lowered
model's layers); new layers are named by the lowering's LayerNamer, continuing after the
model's names, so names stay unique and none ends another (Keras.js's weight lookup).
"""

import dataclasses

from irc.lower.keras_graph import KerasLayer
from irc.lower.naming import LayerNamer
from irc.targets.kerasjs.concat_permutes import permute_concatenations
from irc.targets.kerasjs.grouped import separable_grouped
from irc.targets.kerasjs.in_place import copy_inputs_of_in_place_layers
from irc.targets.kerasjs.wide_dense import split_wide_dense


class Legalization:
    """The layers being rewritten (copies of the model's), what the steps share."""

    def __init__(self, model):
        self.layers = [dataclasses.replace(layer, inbound=list(layer.inbound)) for layer in model.layers]
        self.outputs = model.outputs
        self.name = LayerNamer(taken=[layer.name for layer in model.layers])

    def layer(self, name):
        return next(layer for layer in self.layers if layer.name == name)

    def add_before(self, before, label, class_name, config, inbound, shape, source, weights=()):
        """A new layer named after `label`, placed right before `before` (the order stays
        topological) -> the layer."""
        layer = KerasLayer(self.name(label), class_name, config, list(inbound), list(weights), source, shape=shape)
        self.layers.insert(self.layers.index(before), layer)
        return layer


def legalize(model):
    """-> a new KerasModel for Keras.js 1.0; `model` is left as it is."""
    work = Legalization(model)
    separable_grouped(work)
    permute_concatenations(work)
    copy_inputs_of_in_place_layers(work)
    split_wide_dense(work)
    return dataclasses.replace(model, layers=work.layers)
