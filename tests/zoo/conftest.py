"""The zoo's table, gathered over the session (tests/zoo/zoo.py, printed by tests/conftest.py)."""

import pytest

from tests.zoo import zoo


@pytest.fixture
def zoo_record(request):
    """record(name, framework, outcome, detail): one member's row in the table at the end of the run."""
    def record(name, framework, outcome, detail):
        zoo.record(request.config, name, framework, outcome, detail)
    return record
