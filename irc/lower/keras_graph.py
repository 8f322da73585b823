"""The lowered model: a Keras layer graph that no emitter has to interpret further.

Every target (Keras.js model.bin, a real keras.Model, TF.js) reads this and nothing else;
a target adds what only its runtime needs to a copy (e.g. irc/targets/kerasjs/legalize.py).
Tensors are channels-last, batch dimension dropped from shapes (Keras.js runs one sample at
a time), weights already in the exact order Keras expects.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class KerasLayer:
    name: str                      # runtime-safe name (see irc/lower/naming.py)
    class_name: str                # Keras 2.1 class name, e.g. "Conv2DTranspose"
    config: dict                   # Keras 2.1 config without "name" (emitters add it)
    inbound: list = field(default_factory=list)     # names of the layers feeding this one
    weights: list = field(default_factory=list)     # [(param_name, np.ndarray float32)] in Keras order
    source: str = ""               # the IR node / ONNX node it came from, for messages and the manifest
    value: str = ""                # the IR value its output holds (in that value's layout), if any
    shape: tuple = None            # per-sample output shape (no batch axis): lower() sets it (irc/lower/shapes.py)


@dataclass
class KerasTensorSpec:
    layer: str                     # runtime layer name
    source_name: str               # the source model's tensor name
    shape: tuple                   # runtime shape, batch dimension included (always 1)
    source_shape: tuple            # shape in the source framework's layout
    perm: tuple                    # runtime = source.transpose(perm)


@dataclass
class KerasModel:
    name: str
    layers: list                   # KerasLayer, in topological order, InputLayers first
    inputs: list                   # KerasTensorSpec
    outputs: list                  # KerasTensorSpec

    def layer(self, name):
        return next(layer for layer in self.layers if layer.name == name)

    def weight_bytes(self):
        return sum(int(np.asarray(w).nbytes) for layer in self.layers for _, w in layer.weights)


def pair(value):
    """A Keras 2D config value (kernel_size, strides, ...) given as one number or two, as two."""
    return list(value) if isinstance(value, (list, tuple)) else [value, value]


def json_default(value):
    """json.dumps' default for layer configs: configs computed with numpy (e.g. np.prod of a
    shape) carry numpy scalars/arrays."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"config value {value!r} is not JSON-serializable")
