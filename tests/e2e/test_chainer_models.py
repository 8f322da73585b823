"""Real Chainer architectures compiled with --arch and run in Keras.js under Node, against
Chainer's own forward pass: max abs <= 1e-4 and <= 1e-5 relative to the output's range."""

from pathlib import Path

import numpy as np
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.cli import main
from tests.chainer_models import chainer_forward

ARCHS = Path(__file__).resolve().parents[1] / "chainer_archs.py"
CASES = {                       # name: input shape
    "MLP": (1, 20),
    "CNN": (1, 3, 20, 16),
    "ResNet50": (1, 3, 64, 48),
    "VGG16": (1, 3, 64, 64),    # every layer; fc6 takes 2x2x512 features (7x7x512 at 224x224)
}
LOGIT_RANGE = 20.0


def build(name, seed):
    """He-initialised weights (Chainer's own VGG16 initialisation shrinks the signal to
    1e-8 at the output, which would test nothing), batch-norm statistics away from (0, 1),
    and the last layer scaled so the outputs span LOGIT_RANGE, as a trained classifier's
    logits do: float32 rounding grows with the output's magnitude, and randomly initialised
    ResNet-50 logits span hundreds."""
    import chainer.links as L

    from irc.frontend.chainer_frontend import import_chainer, load_arch_class
    import_chainer()
    np.random.seed(seed)                      # Chainer's initialisers draw from numpy's global RNG
    model = load_arch_class(f"{ARCHS}:{name}")()
    rng = np.random.RandomState(seed)
    for link in model.links():
        if isinstance(link, (L.Convolution2D, L.Linear)):
            fan_in = link.W.array[0].size
            link.W.array[...] = rng.normal(0, np.sqrt(2 / fan_in), link.W.shape)
        if isinstance(link, L.BatchNormalization):
            link.avg_mean[...] = rng.normal(0, 0.1, link.avg_mean.shape)
            link.avg_var[...] = rng.uniform(0.5, 2.0, link.avg_var.shape)
            link.beta.array[...] = rng.normal(0, 0.1, link.beta.shape)
    return model


def scale_last_layer(model, x):
    import chainer.links as L
    last = [link for link in model.links() if isinstance(link, L.Linear)][-1]
    factor = LOGIT_RANGE / np.ptp(chainer_forward(model, x))
    last.W.array *= factor
    last.b.array *= factor


@pytest.mark.parametrize("name", list(CASES))
def test_chainer_model_in_kerasjs_matches_chainer(name, tmp_path):
    import chainer
    model = build(name, seed=len(name))
    shape = CASES[name]
    x = np.random.RandomState(0).uniform(-1, 1, shape).astype(np.float32)
    scale_last_layer(model, x)
    chainer.serializers.save_npz(str(tmp_path / "model.npz"), model, compression=False)   # 176 MB for VGG16
    expected = chainer_forward(model, x)
    del model

    assert main(["compile", str(tmp_path / "model.npz"), "--arch", f"{ARCHS}:{name}", "--no-probe",
                 "--input-shape", ",".join(map(str, shape)), "-o", str(tmp_path / "out")]) == 0
    manifest = read_manifest(tmp_path / "out")
    got = run_manifest(tmp_path / "out", manifest, {manifest["inputs"][0]["source_name"]: x})
    got = got[manifest["outputs"][0]["source_name"]]
    error = np.abs(got - expected).max()
    print(f"{name}: max abs error {error:.2e}, output range {np.ptp(expected):.3g}")
    assert error <= 1e-4 and error <= 1e-5 * np.ptp(expected), (error, np.ptp(expected))


def compile_small(name, tmp_path, *flags):
    """Save the tests/chainer_archs.py model NAME with its initial weights and compile it."""
    import chainer

    from irc.frontend.chainer_frontend import import_chainer, load_arch_class
    import_chainer()
    np.random.seed(0)
    chainer.serializers.save_npz(str(tmp_path / "model.npz"), load_arch_class(f"{ARCHS}:{name}")())
    return main(["compile", str(tmp_path / "model.npz"), "--arch", f"{ARCHS}:{name}",
                 "--input-shape", "1,3,16,16", "-o", str(tmp_path / "out"), *flags])


def test_instance_norm_from_batch_statistics_is_refused_naming_the_link(tmp_path, capsys):
    assert compile_small("InstanceNormNet", tmp_path) == 2
    error = capsys.readouterr().err
    assert "link /norm computes batch statistics (F.batch_normalization" in error
    assert len(error.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_constant_taken_from_the_traced_input_fails_the_probe(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "kept").write_text("")
    assert compile_small("MeanFromNumpy", tmp_path, "--force") == 2
    error = capsys.readouterr().err
    assert "probe: output conv2 of the kerasjs files is off by" in error
    assert "the exported ONNX itself is off by" in error          # the export, not the conversion
    assert len(error.strip().splitlines()) == 1
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["kept"]          # OUT untouched


def test_probe_failure_does_not_stop_a_no_probe_compile(tmp_path):
    assert compile_small("MeanFromNumpy", tmp_path, "--no-probe") == 0


def test_outputs_probed_in_the_order_onnx_chainer_names_them(tmp_path):
    """onnx_chainer lists the tanh result first: the probe must pair each output with the
    model's own result of that name (it compared them crosswise, and failed on the shapes)."""
    import chainer

    from irc.frontend.chainer_frontend import load_arch_class
    assert compile_small("TwoOutputs", tmp_path) == 0
    model = load_arch_class(f"{ARCHS}:TwoOutputs")()
    chainer.serializers.load_npz(str(tmp_path / "model.npz"), model)
    x = np.random.RandomState(5).uniform(-1, 1, (1, 3, 16, 16)).astype(np.float32)
    with chainer.using_config("train", False):
        expected = {y.shape: y.array for y in model(x)}
    manifest = read_manifest(tmp_path / "out")
    got = run_manifest(tmp_path / "out", manifest, {manifest["inputs"][0]["source_name"]: x})
    assert sorted(y.shape for y in got.values()) == sorted(expected)
    for y in got.values():
        assert np.abs(y - expected[y.shape]).max() <= 1e-5
