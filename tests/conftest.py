"""`make test` runs the suite on two pytest-xdist workers with --dist loadgroup (see the Makefile).

A test module's own module-, class- or session-scoped fixtures (a compiled model, a served
page, a set of fixture files) are built once per worker that runs one of its tests; the tests
that use them are therefore kept in one worker (an xdist_group named after the module), and
the other tests are spread freely. Without xdist the marks do nothing.

The reports that end the run (ONNX backend cases, random graphs, the zoo) are printed here; under xdist
each worker sends its part to the controller, which sums them."""

import importlib
import sys

import pytest


@pytest.hookimpl(tryfirst=True)    # before xdist's own hook, which reads the marks
def pytest_collection_modifyitems(config, items):
    for item in items:
        module = getattr(item, "module", None)
        info = getattr(item, "_fixtureinfo", None)
        if module is None or info is None:
            continue
        if any(fixturedef.scope != "function" and getattr(fixturedef.func, "__module__", None) == module.__name__
               for fixturedefs in info.name2fixturedefs.values() for fixturedef in fixturedefs):
            item.add_marker(pytest.mark.xdist_group(module.__name__))


# Data a session gathers and reports at its end: {workeroutput key: module with to_wire, merge,
# terminal_summary}. A module is imported only where its tests ran or its data arrives.
REPORTS = {"irc_backend_outcomes": "tests.onnx_backend.report", "irc_property_counts": "tests.property.report",
           "irc_zoo_results": "tests.zoo.zoo"}


def _loaded_reports():
    return {key: sys.modules[name] for key, name in REPORTS.items() if name in sys.modules}


def pytest_sessionfinish(session):
    """An xdist worker sends its reports' data to the controller (pytest_testnodedown)."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output.update({key: report.to_wire(session.config) for key, report in _loaded_reports().items()})


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    for key, name in REPORTS.items():
        wire = getattr(node, "workeroutput", {}).get(key)
        if wire:
            importlib.import_module(name).merge(node.config, wire)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not hasattr(config, "workerinput"):
        for report in _loaded_reports().values():
            report.terminal_summary(terminalreporter, config)
