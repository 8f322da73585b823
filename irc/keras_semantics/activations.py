"""The constants Keras's activations build in (Keras.js activations/selu.js and
hard_sigmoid.js, tfjs-layers' the same), as float32: ONNX's defaults are exactly these.
An IR node with other values goes through decompose-activations."""

import numpy as np

KERAS_SELU = {"alpha": np.float32(1.6732632423543772848170429916717),
              "gamma": np.float32(1.0507009873554804934193349852946)}
KERAS_HARD_SIGMOID = {"alpha": np.float32(0.2), "beta": np.float32(0.5)}


def keras_constants(node, constants):
    """Whether the node's attributes are `constants` (KERAS_SELU, ...) in float32."""
    return all(np.float32(node.attrs[k]) == v for k, v in constants.items())
