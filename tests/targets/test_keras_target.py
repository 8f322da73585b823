"""The keras target: keras/model.keras (Keras 3 native) and keras/model.h5 (legacy HDF5),
loaded back with keras.models.load_model and compared with Chainer's own forward pass, for
the DCGAN generator and a small classifier. One module: TensorFlow's import takes ~5-10 s."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.cli import main
from irc.compile import CompileOptions, compile_model
from tests.chainer_models import chainer_forward, save_random_generator

pytestmark = pytest.mark.tensorflow

TOLERANCE = 1e-5
ARCHS = Path(__file__).resolve().parents[1] / "chainer_archs.py"
FILES = ["keras/model.keras", "keras/model.h5"]


def save_random_cnn(path, seed=5):
    import chainer

    from irc.frontend.chainer_frontend import import_chainer, load_arch_class
    import_chainer()
    np.random.seed(seed)
    model = load_arch_class(f"{ARCHS}:CNN")()
    rng = np.random.RandomState(seed)
    model.bn1.avg_mean[...] = rng.normal(0, 0.5, model.bn1.avg_mean.shape)
    model.bn1.avg_var[...] = rng.uniform(0.3, 3.0, model.bn1.avg_var.shape)
    model.bn1.beta.array[...] = rng.normal(0, 0.3, model.bn1.beta.shape)
    chainer.serializers.save_npz(str(path), model)
    return model


class Case:
    def __init__(self, tmp, source, options, x):
        self.tmp, self.source, self.options, self.x = tmp, source, options, x
        self.out = tmp / "out"
        self.model, self.fidelity = compile_model(tmp / "model.npz", self.out, options)
        self.expected = chainer_forward(source, x)
        self.manifest = read_manifest(self.out)


@pytest.fixture(scope="module", params=["dcgan", "cnn"])
def case(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "dcgan":
        source = save_random_generator(tmp / "model.npz", 64, seed=3)
        options = CompileOptions(targets=["keras"], probe=False)
        x = np.random.RandomState(7).uniform(-1, 1, (1, 100, 1, 1)).astype(np.float32)
    else:
        source = save_random_cnn(tmp / "model.npz")
        options = CompileOptions(targets=["keras"], probe=False, arch=f"{ARCHS}:CNN", input_shape=(1, 3, 20, 16))
        x = np.random.RandomState(8).uniform(-1, 1, (1, 3, 20, 16)).astype(np.float32)
    return Case(tmp, source, options, x)


def predict_source_layout(keras_model, case):
    """Keras takes and returns the runtime layout, with the batch axis."""
    (x_spec,), (y_spec,) = case.model.inputs, case.model.outputs
    y = np.asarray(keras_model.predict(case.x.transpose(x_spec.perm), verbose=0))
    return y.transpose(np.argsort(y_spec.perm))


@pytest.mark.parametrize("file", FILES)
def test_load_model_matches_chainer(case, file):
    from irc.targets.keras.model import import_keras
    keras_model = import_keras().models.load_model(case.out / file, compile=False)
    got = predict_source_layout(keras_model, case)
    assert got.shape == case.expected.shape
    assert case.expected.std() > 0.1
    assert np.abs(got - case.expected).max() <= TOLERANCE
    assert [layer.name for layer in keras_model.layers] == [layer.name for layer in case.model.layers]
    assert keras_model.output_names == [spec.layer for spec in case.model.outputs]


def test_run_manifest_matches_chainer(case):
    (x_spec,), (y_spec,) = case.manifest["inputs"], case.manifest["outputs"]
    got = run_manifest(case.out, case.manifest, {x_spec["source_name"]: case.x}, target="keras")
    assert np.abs(got[y_spec["source_name"]] - case.expected).max() <= TOLERANCE


def test_manifest_lists_float32_files(case):
    entry = case.manifest["targets"]["keras"]
    assert entry["files"] == FILES and entry["quantization"] == "float32"
    assert entry["bytes"] == sum((case.out / f).stat().st_size for f in FILES)
    assert entry["runtime"].startswith("keras@3")


def test_h5_holds_config_and_weights(case):
    import h5py
    with h5py.File(case.out / "keras/model.h5", "r") as f:
        assert "model_config" in f.attrs and "model_weights" in f
        assert set(f["model_weights"]) >= {layer.name for layer in case.model.layers if layer.weights}


def test_files_are_byte_identical_when_compiled_again(case):
    import zipfile
    again = case.tmp / "again"
    compile_model(case.tmp / "model.npz", again, case.options)
    for file in FILES:
        assert (again / file).read_bytes() == (case.out / file).read_bytes(), file
    # Shared objects are numbered in the file, not by the process's id(): stable across runs too.
    with zipfile.ZipFile(case.out / "keras/model.keras") as archive:
        config = archive.read("config.json").decode()
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
        assert "date_saved" not in archive.read("metadata.json").decode()
    assert '"shared_object_id": 1' in config and '"shared_object_id": 2' not in config


def test_with_kerasjs_both_probe_within_tolerance(tmp_path):
    gen = save_random_generator(tmp_path / "gen.npz", 64, seed=4)
    _, fidelity = compile_model(tmp_path / "gen.npz", tmp_path / "out", CompileOptions(targets=["kerasjs", "keras"]))
    assert [p.target for p in fidelity] == ["kerasjs", "keras"]
    for probe in fidelity:
        assert not probe.skipped and probe.reference == "Chainer"
        assert 0 < max(e.max_abs for e in probe.errors.values()) <= TOLERANCE
    manifest = read_manifest(tmp_path / "out")
    assert list(manifest["targets"]) == ["kerasjs", "keras"]
    z = np.random.RandomState(9).uniform(-1, 1, (1, 100, 1, 1)).astype(np.float32)
    expected = chainer_forward(gen, z)
    for target in ("kerasjs", "keras"):
        got = run_manifest(tmp_path / "out", manifest, {manifest["inputs"][0]["source_name"]: z}, target=target)
        assert np.abs(got[manifest["outputs"][0]["source_name"]] - expected).max() <= TOLERANCE
    fidelity_table = (tmp_path / "out" / "report.md").read_text().split("## Fidelity")[1].split("##")[0]
    assert "| `sigmoid_0` | keras |" in fidelity_table


def test_quantize_is_refused_in_one_line(capsys, tmp_path):
    save_random_generator(tmp_path / "gen.npz", 16)
    code = main(["compile", str(tmp_path / "gen.npz"), "-o", str(tmp_path / "out"),
                 "--quantize", "uint8", "--target", "keras"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err == "irc: error: --quantize uint8: target keras cannot store it (float32 only)"
    assert not (tmp_path / "out").exists()


def test_importing_irc_targets_does_not_import_tensorflow():
    code = ("import sys, irc.targets, irc.compile, irc.bundle.run; assert 'keras' in irc.targets.TARGETS; "
            "print(sorted({'tensorflow', 'keras'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
