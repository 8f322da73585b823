"""--passes FILE.py: user code that registers passes (passes.register_pass), ONNX op
handlers (irc.frontend.onnx_import.onnx_op) or lowerings (irc.lower.lower.lowering)."""

from irc.user_code import import_file


def load_plugin(path):
    return import_file(path, f"--passes {path}", "irc_plugin")
