"""irc's graph passes: one per file, registered by kebab-case name (passes/registry.py),
run in the order of passes/pipeline.py."""

from passes import pipeline  # noqa: F401  (imports every built-in pass)
from passes.registry import PASSES, register_pass  # noqa: F401
