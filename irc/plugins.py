"""--passes FILE.py: user code that registers passes (passes.register_pass), ONNX op
handlers (irc.frontend.onnx_import.onnx_op) or lowerings (irc.lower.lower.lowering)."""

import importlib.util
from pathlib import Path

from irc.errors import IrcError


def load_plugin(path):
    path = Path(path)
    if not path.is_file():
        raise IrcError(f"--passes {path}: no such file")
    spec = importlib.util.spec_from_file_location(f"irc_plugin_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:      # user code: report, do not crash
        raise IrcError(f"--passes {path}: loading it raised {type(exc).__name__}: {exc}") from None
    return module
