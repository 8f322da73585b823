"""Materialize a KerasModel as a real keras.Model (Keras 3), with its weights set.

Keras is imported inside build_keras_model only: importing TensorFlow takes seconds and
most compiles never need it.
"""

import os

from irc.errors import IrcError

SUPPORTED = {
    "Dense", "Conv2D", "Conv2DTranspose", "BatchNormalization", "Activation", "Reshape",
    "Flatten", "Permute", "Cropping2D", "ZeroPadding2D", "Add", "Concatenate", "MaxPooling2D",
    "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "LeakyReLU", "UpSampling2D",
    "Subtract", "Multiply", "Maximum", "Minimum", "Average", "ELU", "PReLU", "RepeatVector",
    "DepthwiseConv2D",
    *(f"{name}{dims}" for dims in ("1D", "3D") for name in (
        "Conv", "MaxPooling", "AveragePooling", "GlobalAveragePooling", "GlobalMaxPooling", "ZeroPadding", "Cropping")),
}
_MERGE = {"Add", "Concatenate", "Subtract", "Multiply", "Maximum", "Minimum", "Average"}

# Keras 2.1 config keys that only matter for training or for Sequential input inference.
# They are dropped rather than translated: the weights are set explicitly, and Keras 3
# rejects `batch_input_shape` on layers and some Keras 2.1 initializer configs.
_DROPPED_KEYS = {
    "batch_input_shape", "input_dim", "input_shape", "trainable", "activity_regularizer",
    "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
    "kernel_constraint", "bias_constraint", "beta_initializer", "gamma_initializer",
    "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer",
    "gamma_regularizer", "beta_constraint", "gamma_constraint",
}
_RENAMED_KEYS = {"LeakyReLU": {"alpha": "negative_slope"}}  # Keras 3 deprecates `alpha`
_RENAMED_WEIGHTS = {"DepthwiseConv2D": {"depthwise_kernel": "kernel"}}  # Keras 3's variable names


def import_keras():
    """Import Keras with file descriptor 2 closed off: TensorFlow's C++ start-up logging
    (absl, oneDNN) ignores TF_CPP_MIN_LOG_LEVEL and would bury irc's output on stderr."""
    import sys
    if "keras" in sys.modules:
        return sys.modules["keras"]
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return keras


def build_keras_model(model):
    keras = import_keras()

    tensors = {}
    for layer in model.layers:
        tensors[layer.name] = _apply_layer(keras, layer, tensors)
    return keras.Model(inputs=[tensors[spec.layer] for spec in model.inputs],
                       outputs=[tensors[spec.layer] for spec in model.outputs],
                       name=model.name)


def _apply_layer(keras, layer, tensors):
    if layer.class_name == "InputLayer":
        return keras.Input(shape=tuple(layer.config["batch_input_shape"][1:]), name=layer.name,
                           dtype=layer.config.get("dtype", "float32"))
    keras_layer = _make_layer(keras, layer)
    inputs = [tensors[name] for name in layer.inbound]
    output = keras_layer(inputs if layer.class_name in _MERGE else inputs[0])
    _set_weights(keras_layer, layer)  # after the call: Keras 3 creates weights when built
    return output


def _make_layer(keras, layer):
    if layer.class_name not in SUPPORTED:
        raise IrcError(f"cannot build a Keras layer for '{layer.name}': {layer.class_name} is not supported")
    renames = _RENAMED_KEYS.get(layer.class_name, {})
    config = {renames.get(key, key): value for key, value in layer.config.items() if key not in _DROPPED_KEYS}
    return getattr(keras.layers, layer.class_name)(name=layer.name, **config)


def _set_weights(keras_layer, layer):
    expected = [variable.name for variable in keras_layer.weights]
    renames = _RENAMED_WEIGHTS.get(layer.class_name, {})
    given = [renames.get(param, param) for param, _ in layer.weights]
    if given != expected:
        raise IrcError(f"layer '{layer.name}' has weights {given}, but Keras's "
                       f"{layer.class_name} for this config takes {expected}")
    keras_layer.set_weights([array for _, array in layer.weights])
