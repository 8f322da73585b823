"""The lowered layer graph is Keras in fact: materialised as a real keras.Model (the only
place TensorFlow is imported) it reproduces Chainer's DCGAN generator."""

import numpy as np
import pytest

from irc.compile import CompileOptions, compile_model
from tests.chainer_models import chainer_forward, save_random_generator

pytestmark = pytest.mark.tensorflow


@pytest.mark.parametrize("ch", [64])
def test_keras_model_matches_chainer(ch, tmp_path):
    from irc.targets.keras.model import build_keras_model
    gen = save_random_generator(tmp_path / "gen.npz", ch, seed=11)
    lowered, _ = compile_model(tmp_path / "gen.npz", tmp_path / "out", CompileOptions(probe=False))
    keras_model = build_keras_model(lowered)

    z = np.random.RandomState(3).uniform(-1, 1, (1, 100, 1, 1)).astype(np.float32)
    (z_spec,), (y_spec,) = lowered.inputs, lowered.outputs
    got = np.asarray(keras_model([z.transpose(z_spec.perm)]))       # runtime layout in, with batch
    got = got.transpose(np.argsort(y_spec.perm))                     # back to Chainer's NCHW
    expected = chainer_forward(gen, z)
    assert np.abs(got - expected).max() <= 1e-5
