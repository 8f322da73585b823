"""examples/dcgan: train.py trains a generator irc compiles, sample.py draws it, and the
bundled (trained) gen.npz computes the same images in Keras.js under Node as in Chainer."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from irc.cli import main
from irc.frontend.chainer_frontend import load_chainer_model
from tests.chainer_models import EXAMPLES, chainer_forward

TOLERANCE = 1e-5
BUNDLED = EXAMPLES / "gen.npz"
TINY = ["--iterations", "3", "--ch", "16", "--dis-ch", "16", "--batchsize", "8", "--seed", "5"]


def run_example(script, *args):
    return subprocess.Popen([sys.executable, str(EXAMPLES / script), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Two runs with the same seed, side by side: their outputs must agree bit for bit."""
    tmp = tmp_path_factory.mktemp("train")
    runs = [run_example("train.py", *TINY, "--out", tmp / f"gen{i}.npz") for i in (0, 1)]
    # bytes, decoded here: text mode would turn the progress line's \r into \n
    outputs = [[out.decode() for out in run.communicate(timeout=120)] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs[0][1]
    return tmp, outputs[0]


def test_training_loop_reports_finite_losses(trained):
    _, (stdout, stderr) = trained
    assert "\riteration 3/3 " in stderr          # the progress line, rewritten in place
    words = stdout.split()
    losses = [float(words[words.index(name) + 1]) for name in ("loss_gen", "loss_dis")]
    # softplus losses are positive; 0 or inf would mean a saturated discriminator
    assert all(0 < loss < 10 and math.isfinite(loss) for loss in losses), stdout


def test_same_seed_trains_the_same_weights(trained):
    tmp, _ = trained
    with np.load(tmp / "gen0.npz") as a, np.load(tmp / "gen1.npz") as b:
        assert sorted(a) == sorted(b)
        assert all(np.array_equal(a[k], b[k]) for k in a)


def test_trained_npz_compiles_and_samples(trained):
    tmp, _ = trained
    assert main(["compile", str(tmp / "gen0.npz"), "-o", str(tmp / "out")]) == 0
    manifest = json.loads((tmp / "out" / "manifest.json").read_text())
    assert manifest["inputs"][0]["source_shape"] == [1, 100, 1, 1]
    assert manifest["outputs"][0]["source_shape"] == [1, 3, 32, 32]
    sample = run_example("sample.py", tmp / "gen0.npz", "-o", tmp / "grid.png", "--seed", 1)
    assert sample.wait(timeout=120) == 0, sample.stderr.read().decode()
    from PIL import Image
    with Image.open(tmp / "grid.png") as grid:
        assert grid.size == (8 * 32, 8 * 32) and grid.mode == "RGB"


def test_bundled_model_kerasjs_matches_chainer(tmp_path):
    assert main(["compile", str(BUNDLED), "-o", str(tmp_path / "gen")]) == 0
    z = np.random.RandomState(11).uniform(-1, 1, (1, 100, 1, 1)).astype(np.float32)
    np.save(tmp_path / "z.npy", z)
    assert main(["run", str(tmp_path / "gen"), "--input", str(tmp_path / "z.npy"),
                 "--output", str(tmp_path / "y.npy")]) == 0
    expected = chainer_forward(load_chainer_model(BUNDLED), z)
    got = np.load(tmp_path / "y.npy")
    assert got.shape == expected.shape == (1, 3, 32, 32)
    assert np.abs(got - expected).max() <= TOLERANCE
    # Trained on grey digits: the three channels nearly agree and much of the image is dark
    # background, with bright strokes (random weights: channels 0.18 apart, 8% dark pixels).
    assert np.abs(expected - expected.mean(axis=1, keepdims=True)).mean() < 0.03
    assert np.mean(expected < 0.1) > 0.3 and expected.max() > 0.9
