"""Handlers from ONNX ops to IR ops, one module per op family. Attribute defaults follow
the ONNX operator spec. Each module registers its handlers with @onnx_op on import."""

from irc.frontend.onnx_ops import bounds, concat, conv, dense, elementwise, pooling, resize, shape, slicing  # noqa: F401
