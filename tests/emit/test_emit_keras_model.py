"""irc.targets.keras.model: the lowered graph as a real Keras 3 model.

Every test that imports TensorFlow lives in this module (marked `keras`), so the
~10 s import is paid once and `-m "not keras"` skips all of it.
"""

import numpy as np
import pytest

from irc.errors import IrcError
from irc.targets.keras.model import build_keras_model
from tests.emit.emit_models import ALL_MODELS, layer, random_inputs
from tests.emit.numpy_reference import run_reference

pytestmark = pytest.mark.tensorflow

TOLERANCE = 1e-5


@pytest.mark.parametrize("build", ALL_MODELS, ids=lambda build: build.__name__)
def test_keras_matches_numpy_reference(build):
    rng = np.random.default_rng(0)
    model = build(rng)
    inputs = random_inputs(model, rng)

    keras_model = build_keras_model(model)
    actual = keras_model([inputs[spec.layer][None] for spec in model.inputs])
    actual = actual if len(model.outputs) > 1 else [actual]  # Keras unwraps a single output

    expected = run_reference(model, inputs)
    for spec, output in zip(model.outputs, actual):
        output = np.asarray(output)
        assert output.shape == spec.shape
        assert np.abs(output[0] - expected[spec.layer]).max() <= TOLERANCE, spec.layer


def test_unsupported_class_is_an_irc_error():
    model = ALL_MODELS[0](np.random.default_rng(0))
    model.layers[-1] = layer("out", "Softmax", {}, ["conv2"])
    with pytest.raises(IrcError, match="'out': Softmax is not supported"):
        build_keras_model(model)


def test_weights_must_match_keras_params():
    model = ALL_MODELS[0](np.random.default_rng(0))
    model.layer("fc").weights.reverse()
    with pytest.raises(IrcError, match=r"layer 'fc' has weights \['bias', 'kernel'\], but Keras's Dense"):
        build_keras_model(model)
