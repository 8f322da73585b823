"""End to end: Chainer's forward pass vs the emitted model.bin run in Keras.js under Node,
through the `irc` command line, for the DCGAN generator at ch=64 and ch=512."""

import json
from pathlib import Path

import numpy as np
import pytest

from irc.cli import main
from tests.chainer_models import chainer_forward, save_random_generator

TOLERANCE = 1e-5
BUNDLED = Path(__file__).resolve().parents[2] / "examples" / "dcgan" / "gen.npz"


@pytest.fixture(scope="module", params=[64, 512], ids=lambda ch: f"ch{ch}")
def compiled(request, tmp_path_factory):
    ch = request.param
    tmp = tmp_path_factory.mktemp(f"gen{ch}")
    gen = save_random_generator(tmp / "gen.npz", ch, seed=ch)
    assert main(["compile", str(tmp / "gen.npz"), "-o", str(tmp / "out")]) == 0
    return gen, tmp


def test_kerasjs_output_matches_chainer(compiled):
    gen, tmp = compiled
    z = np.random.RandomState(7).uniform(-1, 1, (1, 100, 1, 1)).astype(np.float32)
    np.save(tmp / "z.npy", z)
    assert main(["run", str(tmp / "out"), "--input", str(tmp / "z.npy"), "--output", str(tmp / "y.npy")]) == 0
    expected = chainer_forward(gen, z)
    got = np.load(tmp / "y.npy")
    assert got.shape == expected.shape == (1, 3, 32, 32)
    assert expected.std() > 0.1          # a saturated output would hide errors
    assert np.abs(got - expected).max() <= TOLERANCE


def test_no_transposes_left_at_run_time(compiled):
    gen, tmp = compiled
    layers = (tmp / "out" / "report.md").read_text().split("## Layers")[1]
    classes = [line.split("|")[2].strip() for line in layers.splitlines() if line.startswith("| `")]
    # fold-batchnorm and fuse-activation: the batch norms are in the kernels, the activations
    # (relu, and the final sigmoid) in the Dense/Conv2DTranspose layers (tests/e2e/test_optimize.py)
    assert classes[-4:] == ["Conv2DTranspose"] * 4
    assert not {"Permute", "BatchNormalization", "Activation"} & set(classes)
    assert (classes.count("Dense"), classes.count("Concatenate")) == (1, 0)


def test_kerasjs_runs_a_wide_dense_in_groups(compiled):
    """A Dense of more than 2048 units (WebGL2's smallest texture width) runs in groups of whole
    image rows, concatenated, in model.bin only (irc/targets/kerasjs/wide_dense.py): ch=512's
    8192 units in 4."""
    gen, tmp = compiled
    data = (tmp / "out" / "model.bin").read_bytes()
    # model_config is the one JSON text in model.bin (json.dumps(..., sort_keys=True)).
    config, _ = json.JSONDecoder().raw_decode(data[data.index(b'{"backend"'):].decode("utf-8", "ignore"))
    classes = [layer["class_name"] for layer in config["config"]["layers"]]
    units = gen.l0.W.shape[0]
    assert classes.count("Dense") == -(-units // 2048)
    assert classes.count("Concatenate") == (units > 2048)


def test_compile_report_states_the_probe_error(compiled):
    _, tmp = compiled
    fidelity = (tmp / "out" / "report.md").read_text().split("## Fidelity")[1].split("##")[0]
    assert "against Chainer" in fidelity
    row = next(line for line in fidelity.splitlines() if line.startswith("| `sigmoid_0`"))
    assert 0 < float(row.split("|")[3]) <= TOLERANCE


def test_manifest_describes_inputs_and_outputs(compiled):
    gen, tmp = compiled
    manifest = json.loads((tmp / "out" / "manifest.json").read_text())
    (z,), (y,) = manifest["inputs"], manifest["outputs"]
    assert z["source_shape"] == [1, 100, 1, 1] and z["shape"] == [1, 1, 1, 100] and z["perm"] == [0, 2, 3, 1]
    assert y["source_shape"] == [1, 3, 32, 32] and y["shape"] == [1, 32, 32, 3] and y["perm"] == [0, 2, 3, 1]
    assert manifest["targets"]["kerasjs"]["files"] == ["model.bin"]
    assert len(manifest["source"]["sha256"]) == 64
    sources = set(manifest["layers"].values())
    assert any("Deconvolution2DFunction" in s for s in sources)


def test_bundled_default_model_compiles(tmp_path):
    assert main(["compile", str(BUNDLED), "-o", str(tmp_path / "gen")]) == 0
    assert (tmp_path / "gen" / "model.bin").stat().st_size > 500_000
