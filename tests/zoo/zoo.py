"""The zoo: real architectures (torchvision's classifiers, Chainer's) with realistic random
weights, each compiled through irc, run in Keras.js (irc's build, as `irc run` does) and
compared with its source framework. Each member ends one of three ways:

  matched   max|got - ref| <= 1e-4 x max(1, max|ref|)
  refused   irc compile raised an IrcError naming a node and its op (the op is the table's entry)
  wrong     anything else: a compile that crashed, or numbers over tolerance

Each member's test asserts its expected outcome; the table printed at the end of the run
(terminal_summary, called by tests/conftest.py, summed across pytest-xdist workers with
to_wire / merge) shows them all. Tests record through the `zoo_record` fixture
(tests/zoo/conftest.py): zoo_record(name, framework, outcome, detail).

Framework-neutral: the weight helpers are numpy, irc is driven through compile_model and
run_manifest, whatever the source."""

import os
import re
import time
from dataclasses import dataclass

import numpy as np
import pytest

from irc.errors import IrcError

MATCHED, REFUSED, WRONG = "matched", "refused", "wrong"
RESULTS = pytest.StashKey()      # {(framework, name): (outcome, detail)}
TOLERANCE = 1e-4                 # relative to max(1, max|ref|)
# Members with big weights run with IRC_SLOW_TESTS=1 (make test sets it), as the slow ONNX backend cases.
SLOW = pytest.mark.skipif(os.environ.get("IRC_SLOW_TESTS", "") in ("", "0"),
                          reason="a big model: IRC_SLOW_TESTS=1 runs it")


# ---- realistic random weights (numpy; each framework's tests copy them into its layers) ----
def he_normal(rng, shape, fan_in):
    """He-scaled normal weights: a ReLU network's activations keep their size through depth,
    so the output spans a range and a wrong layer shows."""
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def batchnorm_statistics(rng, n):
    """gamma, beta, running mean, running variance, none trivial, so that a batch norm folded
    or mapped wrongly shows (as tests/e2e/test_torch.py's random_weights). A deep network's
    running statistics are better taken from a batch (torchvision_models.running_statistics)."""
    return [(rng.random(n) + 0.5).astype(np.float32), (rng.random(n) - 0.5).astype(np.float32),
            (rng.random(n) - 0.5).astype(np.float32), (rng.random(n) * 1.5 + 0.5).astype(np.float32)]


def image_input(shape, seed):
    """A normalised image's statistics: standard normal, seeded."""
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# ---- one member through irc --------------------------------------------------------------
@dataclass
class Outcome:
    status: str          # MATCHED, REFUSED or WRONG
    detail: str          # the error measured, or irc's message
    op: str = None       # REFUSED: the op the message names

    @property
    def verdict(self):
        """What a test asserts: 'matched', 'refused <op>' or 'wrong'."""
        return f"{REFUSED} {self.op}" if self.status == REFUSED else self.status


def refused(op):
    """The verdict of a member refused at `op`."""
    return f"{REFUSED} {op}"


def compile_and_compare(source, out_dir, options, x, reference):
    """Compile `source` with irc's CompileOptions into out_dir, run the files in Keras.js on
    `x` (source layout) and compare with `reference` (the source framework's output for x)."""
    from irc.bundle.manifest import read_manifest
    from irc.bundle.run import run_manifest
    from irc.compile import compile_model
    try:
        compile_model(source, out_dir, options)
    except IrcError as exc:
        return refusal(str(exc))
    except Exception as exc:      # a crash inside irc: the member is wrong, and the table says how
        return Outcome(WRONG, f"irc compile crashed: {type(exc).__name__}: {exc}")
    manifest = read_manifest(out_dir)
    (spec,) = manifest["inputs"]
    (got,) = run_manifest(out_dir, manifest, {spec["source_name"]: x}).values()
    return comparison(got, reference)


def comparison(got, reference):
    if got.shape != reference.shape:
        return Outcome(WRONG, f"output shape {list(got.shape)}, expected {list(reference.shape)}")
    error = float(np.abs(got - reference).max())
    bound = TOLERANCE * max(1.0, float(np.abs(reference).max()))
    detail = f"max|err| {error:.1e} (bound {bound:.1e})"
    return Outcome(MATCHED if error <= bound else WRONG, detail)


# An irc message naming the node: 'node NAME (OnnxOp)' from the import, 'node NAME (ir_op, from
# OnnxOp:name)' from lowering. The ONNX op is the one the table names.
NODE_AND_OP = re.compile(r"node (\S+) \((\w+)(?:, from (\w+))?")


# A Chainer function onnx_chainer cannot export (irc/frontend/chainer_converters.py): refused
# before any ONNX node exists, so the function stands for the node and op.
NOT_EXPORTED = re.compile(r"onnx_chainer cannot export (\S+) \(called in ")


def refusal(message):
    """A compile's IrcError as an outcome: refused when it names a node and an op (or the
    Chainer function that could not be exported), else wrong."""
    found = NODE_AND_OP.search(message)
    if found is not None:
        return Outcome(REFUSED, message, found.group(3) or found.group(2))
    not_exported = NOT_EXPORTED.search(message)
    if not_exported is not None:
        return Outcome(REFUSED, message, not_exported.group(1))
    return Outcome(WRONG, f"an IrcError that names no node and op: {message}")


def timed(function, *args):
    """(function(*args), seconds)."""
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


# ---- the table at the end of the run ---------------------------------------------------------
def record(config, name, framework, outcome, detail):
    config.stash.setdefault(RESULTS, {})[framework, name] = (outcome, detail)


def to_wire(config):
    return [(framework, name, outcome, detail)
            for (framework, name), (outcome, detail) in config.stash.get(RESULTS, {}).items()]


def merge(config, wire):
    for framework, name, outcome, detail in wire or []:
        record(config, name, framework, outcome, detail)


def table_lines(results):
    rows = [(framework, name, outcome, detail) for (framework, name), (outcome, detail) in sorted(results.items())]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = ["  " + "  ".join(f"{text:{width}s}" for text, width in zip(row, widths)) + "  " + _shorten(row[3])
             for row in rows]
    counts = [sum(o.split()[0] == status for o, _ in results.values()) for status in (MATCHED, REFUSED, WRONG)]
    lines.append(f"  {len(results)} members: {counts[0]} matched, {counts[1]} refused (naming the op), "
                 f"{counts[2]} wrong")
    return lines


def _shorten(detail):
    """A refusal's message without the file path and the list of supported ops."""
    text = re.sub(r"^\S*/", "", re.sub(r" \(supported: [^)]*\)", "", detail))
    return text if len(text) <= 160 else text[:157] + "..."


def terminal_summary(terminalreporter, config):
    results = config.stash.get(RESULTS, None)
    if not results:
        return
    terminalreporter.section("zoo: real architectures through irc -> Keras.js")
    for line in table_lines(results):
        terminalreporter.write_line(line)
