"""Importing the user's Python files (architectures, plugins): their errors become one-line
messages naming the file, never tracebacks. User code that calls sys.exit or runs past
--timeout is stopped and named by file and line (`escape_message`)."""

import contextlib
import importlib.util
import re
import signal
import traceback
from pathlib import Path

from irc.errors import IrcError

# Every file import_file ran: a traceback frame in one of them is the user's code.
IMPORTED = set()


class TimeLimitExceeded(BaseException):
    """Raised by the --timeout alarm. A BaseException, so that the `except Exception` of user
    code (and irc's own wrappers around it) cannot swallow it."""


def import_file(path, what, module_prefix):
    """Run `path` as a module; `what` names it in messages (e.g. '--arch net.py:Gen')."""
    path = Path(path)
    if not path.is_file():
        raise IrcError(f"{what}: {path} not found")
    IMPORTED.add(str(path.resolve()))
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


@contextlib.contextmanager
def time_limit(seconds):
    """Raise TimeLimitExceeded in the main thread after `seconds` (None: no limit). A signal
    handler runs between Python bytecodes, so this stops Python loops and sleeps, but not
    one C call that never returns."""
    if seconds is None:
        yield
        return

    def expire(signum, frame):
        raise TimeLimitExceeded(seconds)
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def escape_message(exc):
    """The one-line message for a SystemExit or TimeLimitExceeded that left user code, or None."""
    if isinstance(exc, TimeLimitExceeded):
        seconds, where = f"{exc.args[0]:g}", _where(exc)
        advice = "check that code for an endless loop or give" if where else "give"
        return (f"gave up after {seconds} s (--timeout {seconds}){where or ' in irc itself'}; "
                f"{advice} more time with --timeout")
    if isinstance(exc, SystemExit):
        return (f"user code called sys.exit({exc.code}){_where(exc)}; irc runs --arch and --passes files "
                "as Python: remove the call")
    return None


def _where(exc):
    """' in net.py line 7': the innermost traceback frame in a file import_file ran."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in IMPORTED]
    return f" in {frames[-1].filename} line {frames[-1].lineno}" if frames else ""
