"""The property tests' counts, gathered over the session for the line at the end of the run
(tests/property/report.py, printed by tests/conftest.py)."""

import collections

import pytest

from tests.property.report import COUNTS


@pytest.fixture(scope="session")
def property_counts(request):
    """A Counter for the session: "graphs", "matched", "refused"."""
    return request.config.stash.setdefault(COUNTS, collections.Counter())
