"""What plugins (`irc compile --passes FILE.py`) build on, in one place:

    from irc.api import op, onnx_op, lowering, register_pass, register_target

  op               an IR op: its shape/layout rule and numpy reference (irc/ir/ops/registry.py)
  onnx_op          an ONNX handler: ONNX node -> IR nodes (irc/frontend/onnx_ops/registry.py)
  lowering         IR op -> target-neutral Keras layers (irc/lower/registry.py)
  register_pass    a graph pass, optionally placed in the default pipeline (passes/registry.py)
  register_target  an output format (irc/targets/registry.py)

plus the helpers a plugin's rules need most (same_as_input, Target).
"""

import irc.frontend.onnx_import  # noqa: F401  (the built-in handlers, before a plugin's)
import irc.lower.lower  # noqa: F401  (the built-in lowering rules)
import irc.targets  # noqa: F401  (the built-in targets)
from irc.frontend.onnx_ops.registry import onnx_op
from irc.ir.ops.common import same_as_input
from irc.ir.ops.registry import op
from irc.lower.registry import lowering
from irc.targets.registry import Target, register_target
from passes.registry import register_pass

__all__ = ["op", "onnx_op", "lowering", "register_pass", "register_target", "same_as_input", "Target"]
