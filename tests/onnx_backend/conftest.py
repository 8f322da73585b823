"""The ONNX backend cases' outcomes, gathered over the session for the report at the end of the
run (tests/onnx_backend/report.py, printed by tests/conftest.py)."""

import pytest

from tests.onnx_backend.report import OUTCOMES


@pytest.fixture
def backend_outcomes(request):
    """{(mode, case id): (Case, Outcome)} for this session."""
    return request.config.stash.setdefault(OUTCOMES, {})
