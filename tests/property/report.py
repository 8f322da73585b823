"""Counts of the property tests' random graphs (generated, matched, refused), printed at the
end of the pytest run so `pytest -q` shows what the run covered. tests/conftest.py calls
terminal_summary, and under pytest-xdist sums the workers' counts (to_wire, merge)."""

import collections

import pytest

COUNTS = pytest.StashKey()      # Counter: "graphs", "matched", "refused"


def to_wire(config):
    return dict(config.stash.get(COUNTS, {}))


def merge(config, wire):
    config.stash.setdefault(COUNTS, collections.Counter()).update(wire or {})


def terminal_summary(terminalreporter, config):
    counts = config.stash.get(COUNTS, None)
    if not counts:
        return
    terminalreporter.section("random ONNX graphs (irc -> Keras.js vs ONNX Runtime)")
    failed = counts["graphs"] - counts["matched"] - counts["refused"]
    terminalreporter.write_line(f"{counts['graphs']} graphs: {counts['matched']} compiled and matched, "
                                f"{counts['refused']} refused cleanly, {failed} failed or not run "
                                "(hypothesis repeats graphs while it shrinks a failure)")
