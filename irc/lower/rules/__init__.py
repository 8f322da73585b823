"""Lowering rules, IR op -> Keras 2.1 layers (the configs Keras.js 1.0 reads), one module
per op family; each registers its rules with @lowering on import."""

from irc.lower.rules import concat, conv, conv_nd, dense, elementwise, interleave, pooling, resize, shape, slicing  # noqa: F401
