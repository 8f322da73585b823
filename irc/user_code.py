"""Importing the user's Python files (architectures, plugins): their errors become one-line
messages naming the file, never tracebacks."""

import importlib.util
import re
from pathlib import Path

from irc.errors import IrcError


def import_file(path, what, module_prefix):
    """Run `path` as a module; `what` names it in messages (e.g. '--arch net.py:Gen')."""
    path = Path(path)
    if not path.is_file():
        raise IrcError(f"{what}: {path} not found")
    spec = importlib.util.spec_from_file_location(f"{module_prefix}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:   # user code: any exception is a message, not a crash
        raise IrcError(f"{what}: importing {path} raised {type(exc).__name__}: {short(exc)}") from None
    return module


def load_class(spec, what, module_prefix):
    """'path/to/net.py:Generator' -> the class."""
    file_name, _, class_name = str(spec).rpartition(":")
    if not file_name or not class_name:
        raise IrcError(f"{what}: expected FILE.py:CLASS")
    module = import_file(file_name, what, module_prefix)
    cls = getattr(module, class_name, None)
    if cls is None:
        raise IrcError(f"{what}: {Path(file_name)} defines no {class_name}")
    return cls


def short(exc):
    """The first line of an exception's message (terminal colour codes removed: torch's
    exporter uses them), or its type when it has none."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
