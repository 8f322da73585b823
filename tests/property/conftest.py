"""Counts of the property tests' random graphs (generated, matched, refused), printed at the
end of the pytest run so `pytest -q` shows what the run covered."""

import collections

import pytest

_COUNTS = pytest.StashKey()


@pytest.fixture(scope="session")
def property_counts(request):
    """A Counter for the session: "graphs", "matched", "refused"."""
    return request.config.stash.setdefault(_COUNTS, collections.Counter())


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = config.stash.get(_COUNTS, None)
    if not counts:
        return
    terminalreporter.section("random ONNX graphs (irc -> Keras.js vs ONNX Runtime)")
    failed = counts["graphs"] - counts["matched"] - counts["refused"]
    terminalreporter.write_line(f"{counts['graphs']} graphs: {counts['matched']} compiled and matched, "
                                f"{counts['refused']} refused cleanly, {failed} failed or not run "
                                "(hypothesis repeats graphs while it shrinks a failure)")
