"""The hostile-input corpus: broken or malicious inputs and malformed flags, each with the one
line `irc` must print (a regular expression searched in the stderr line after "irc: error: ").

A case's build(tmp, fx) writes its inputs under `tmp` and returns the argv; OUT is tmp/"out".
Every case must exit 2 with exactly that one line, no traceback, and leave `tmp` as it was
(no OUT, no staging directory, an existing OUT untouched). Cases marked `process` run
`python -m irc` in a child whose working directory is `tmp` (the exit status and tracebacks of
the real interpreter, time and resource limits); the rest call irc.cli.main in-process to keep
the corpus fast.
"""

import resource
from dataclasses import dataclass
from typing import Callable

import onnx


@dataclass
class Case:
    name: str
    build: Callable          # (tmp, fx) -> argv
    expect: str              # regular expression the error line must contain
    process: bool = False    # run in a child process
    limits: dict = None      # {resource.RLIMIT_*: bytes} of the child (RLIMIT_FSIZE: a full disk)


CASES = []


def case(expect, **kw):
    def register(build):
        CASES.append(Case(build.__name__, build, expect, **kw))
        return build
    return register


def compile_args(model, tmp, *flags):
    return ["compile", str(model), "-o", str(tmp / "out"), "--no-probe", *map(str, flags)]


def write(path, text):
    path.write_text(text)
    return path


def save_onnx(model, path):
    onnx.save(model, str(path))
    return path


def apply_limits(limits):
    """preexec_fn for a child. With SIGXFSZ ignored, a write beyond RLIMIT_FSIZE fails with EFBIG
    (as on a full disk) rather than killing the process."""
    import signal

    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        for which, size in limits.items():
            resource.setrlimit(which, (size, size))
    return apply
