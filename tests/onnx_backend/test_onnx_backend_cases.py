"""Every ONNX backend test case shipped in the onnx wheel (pytorch-converted,
pytorch-operator, light), compiled by irc and run in real Keras.js under Node against the
case's own expected outputs. A case passes if it matches (see backend_cases.ATOL) or if
`irc compile` refuses it with a clean IrcError; a crash, a Keras.js failure, or a wrong
shape or number fails it. conftest.py prints the counts per group at the end of the run.

test_onnx_backend_case_per_sample runs the cases whose batch is > 1 (irc refuses those
whole: Keras.js runs one sample) once more, the model set to batch 1 and fed each sample
in turn, when a reference confirms the samples are independent."""

import tempfile

import pytest

from tests.onnx_backend.backend_cases import FAILED, NOT_RUN, batch_size, discover, run_case, run_case_per_sample

CASES = discover()
BATCHED = [case for case in CASES if batch_size(case)]


def test_cases_were_found():
    groups = {case.group for case in CASES}
    assert {"pytorch-converted", "pytorch-operator", "light"} <= groups, groups


def _check(case, mode, run, backend_outcomes):
    with tempfile.TemporaryDirectory(prefix="irc-onnx-backend-") as work_dir:   # model.bin can be large
        outcome = run(case, work_dir)
    backend_outcomes[mode, case.id] = (case, outcome)
    if outcome.status == NOT_RUN:
        pytest.skip(f"{case.id}: {outcome.detail}")
    if outcome.status == FAILED:
        pytest.fail(f"{case.id}{' (per sample)' if mode == 'per sample' else ''}: {outcome.stage}: "
                    f"{outcome.detail}", pytrace=False)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_onnx_backend_case(case, backend_outcomes):
    _check(case, "whole", run_case, backend_outcomes)


@pytest.mark.parametrize("case", BATCHED, ids=[case.name for case in BATCHED])
def test_onnx_backend_case_per_sample(case, backend_outcomes):
    _check(case, "per sample", run_case_per_sample, backend_outcomes)
