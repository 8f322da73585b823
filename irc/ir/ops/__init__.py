"""The IR ops, one module per family; each registers its ops (irc/ir/ops/registry.py) on import."""

from irc.ir.ops import concat, conv, conv_nd, dense, elementwise, interleave, pooling, resize, shape, slicing  # noqa: F401
from irc.ir.ops.registry import LAYOUT_KINDS, OPS, OpSpec, op  # noqa: F401
