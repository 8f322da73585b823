"""Every hostile case (corpus.CASES), one module per kind of input."""

from tests.hostile import arch_cases, command_cases, flag_cases, npz_cases, onnx_cases, out_cases, torch_cases  # noqa: F401
from tests.hostile.corpus import CASES, apply_limits  # noqa: F401
