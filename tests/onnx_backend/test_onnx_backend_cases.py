"""Every ONNX backend test case shipped in the onnx wheel (pytorch-converted,
pytorch-operator, light), compiled by irc and run in real Keras.js under Node against the
case's own expected outputs (the light models: ONNX Runtime on them, re-weighted). A case
passes if it matches (see backend_cases.ATOL) or if `irc compile` refuses it with a clean
IrcError; a crash, a Keras.js failure, or a wrong shape or number fails it. conftest.py
prints the counts per group at the end of the run.

A case with a batch of N > 1 runs as shipped: irc compiles the batch-N model at batch 1
when its samples are independent, and `irc run` feeds it the batch-N input one sample at a
time (irc/frontend/batch.py); a model whose samples meet is refused."""

import tempfile

import numpy as np
import onnx
import pytest

from tests.onnx_backend import light_weights
from tests.onnx_backend.backend_cases import FAILED, NOT_RUN, discover, graph_inputs, light_input, run_case

CASES = discover()
LIGHT = [case for case in CASES if case.group == "light"]


def test_cases_were_found():
    groups = {case.group for case in CASES}
    assert {"pytorch-converted", "pytorch-operator", "light"} <= groups, groups


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_onnx_backend_case(case, backend_outcomes):
    with tempfile.TemporaryDirectory(prefix="irc-onnx-backend-") as work_dir:   # model.bin can be large
        outcome = run_case(case, work_dir)
    backend_outcomes["whole", case.id] = (case, outcome)
    if outcome.status == NOT_RUN:
        pytest.skip(f"{case.id}: {outcome.detail}")
    if outcome.status == FAILED:
        pytest.fail(f"{case.id}: {outcome.stage}: {outcome.detail}", pytrace=False)


@pytest.mark.parametrize("name", ["light_squeezenet", "light_shufflenet"])
def test_reweighted_light_models_give_a_real_distribution(name):
    """As shipped (every weight 0.02) a light model's softmax is flat; re-weighted and
    calibrated it is spread out but not one-hot, so a wrong layer shows in the numbers."""
    case = next(case for case in LIGHT if case.name == name)
    shipped = onnx.load(str(case.model_path))
    feeds = {vi.name: light_input(vi) for vi in graph_inputs(shipped)}
    flat = light_weights.onnxruntime_session(shipped)(feeds)[0]
    model = light_weights.reweighted(shipped)
    assert not any(node.op_type == "ConstantOfShape" for node in model.graph.node)
    scores = light_weights.onnxruntime_session(light_weights.calibrated(model, feeds))(feeds)[0].ravel()
    assert np.ptp(flat) < 1e-6
    assert 0.01 < scores.max() < 0.9 and np.ptp(scores) > 0.01
