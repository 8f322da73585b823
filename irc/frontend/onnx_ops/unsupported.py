"""ONNX ops with no exact Keras.js 1.0 form, refused with the reason (rather than as unknown)."""

from irc.frontend.onnx_ops.registry import onnx_op

NO_KERASJS_FORM = {
    "LayerNormalization": "it divides by the standard deviation of the input, computed at run time, and "
                          "Keras.js 1.0 has no square root or division by a computed tensor",
    "InstanceNormalization": "it divides by the standard deviation of each channel, computed at run time, and "
                             "Keras.js 1.0 has no square root or division by a computed tensor",
    "LRN": "it divides by a power of the sum of its neighbours' squares, computed at run time, and Keras.js 1.0 "
           "has no power or division by a computed tensor",
    "Gelu": "Keras.js 1.0 has no gelu activation and no erf to build it from",
    "Erf": "Keras.js 1.0 has no erf activation (GELU exports as x * (1 + erf(x / sqrt 2)) / 2)",
}


def _refuse(ctx, n):
    raise ctx.error(f"{n.op_type} has no exact Keras.js layer: {NO_KERASJS_FORM[n.op_type]}")


onnx_op(*NO_KERASJS_FORM)(_refuse)
