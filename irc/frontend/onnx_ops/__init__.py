"""Handlers from ONNX ops to IR ops, one module per op family. Attribute defaults follow
the ONNX operator spec. Each module registers its handlers with @onnx_op on import."""

from irc.frontend.onnx_ops import (  # noqa: F401
    bounds,
    broadcast,
    concat,
    conv,
    dense,
    elementwise,
    pooling,
    resize,
    shape,
    slicing,
    unsupported,
)
