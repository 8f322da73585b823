"""The optimisation passes end to end on the DCGAN generator: fewer Keras.js layers, the
same numbers (vs Chainer, in Keras.js under Node), and --no-optimize / --disable-pass.
What the passes buy at run time is measured by tests/benchmarks/optimize_benchmark.py (make bench)."""

import json

import numpy as np
import pytest

from irc.bundle.run import run_manifest
from irc.cli import main
from irc.errors import IrcError
from tests.chainer_models import chainer_forward, save_random_generator

TOLERANCE = 1e-5
NAIVE = ["InputLayer", "Reshape", "Dense", "BatchNormalization", "Activation", "Reshape"] + \
    ["Conv2DTranspose", "BatchNormalization", "Activation"] * 3 + ["Conv2DTranspose", "Activation"]


def compile_gen(tmp, gen_path, name, *flags):
    assert main(["compile", str(gen_path), "-o", str(tmp / name), "--no-probe", *flags]) == 0


def layers(out):
    text = (out / "report.md").read_text().split("## Layers")[1]
    rows = [line.split("|") for line in text.splitlines() if line.startswith("| `")]
    return [row[2].strip() for row in rows]


@pytest.fixture(scope="module")
def gen64(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("opt64")
    gen = save_random_generator(tmp / "gen.npz", 64, seed=3)
    compile_gen(tmp, tmp / "gen.npz", "opt")
    compile_gen(tmp, tmp / "gen.npz", "naive", "--no-optimize")
    compile_gen(tmp, tmp / "gen.npz", "taps", "--enable-pass", "deconv-taps")
    return gen, tmp


def test_optimized_generator_has_no_batch_norm_or_activation_layers(gen64):
    _, tmp = gen64
    assert layers(tmp / "opt") == ["InputLayer", "Reshape", "Dense", "Reshape"] + ["Conv2DTranspose"] * 4
    report = (tmp / "opt" / "report.md").read_text()
    for name in ("fold-batchnorm", "fuse-activation", "drop-no-op"):
        assert name in report


def test_no_optimize_gives_the_naive_layer_list(gen64):
    _, tmp = gen64
    assert layers(tmp / "naive") == NAIVE


def test_optimized_and_naive_match_chainer_in_kerasjs(gen64):
    gen, tmp = gen64
    z = np.random.RandomState(11).uniform(-1, 1, (1, 100, 1, 1)).astype(np.float32)
    expected = chainer_forward(gen, z)
    assert expected.std() > 0.1
    for name in ("opt", "naive", "taps"):
        out = tmp / name
        manifest = json.loads((out / "manifest.json").read_text())
        (spec,), (out_spec,) = manifest["inputs"], manifest["outputs"]
        got = run_manifest(out, manifest, {spec["source_name"]: z})[out_spec["source_name"]]
        err = np.abs(got - expected).max()
        print(f"{name}: max |Keras.js - Chainer| = {err:.2e}")
        assert err <= TOLERANCE * max(1.0, np.abs(expected).max()), name


def test_disable_pass_skips_one_optimisation(gen64, tmp_path):
    _, tmp = gen64
    compile_gen(tmp_path, tmp / "gen.npz", "nofuse", "--disable-pass", "fuse-activation")
    assert layers(tmp_path / "nofuse") == ["InputLayer", "Reshape", "Dense", "Activation", "Reshape"] + \
        ["Conv2DTranspose", "Activation"] * 4


def test_affine_quantization_keeps_the_batch_norms(gen64, tmp_path):
    # Folded, each kernel channel would carry its own batch-norm scale inside one uint8 range.
    _, tmp = gen64
    compile_gen(tmp_path, tmp / "gen.npz", "u8", "--quantize", "uint8")
    assert layers(tmp_path / "u8").count("BatchNormalization") == 4
    compile_gen(tmp_path, tmp / "gen.npz", "f16", "--quantize", "float16", "--target", "tfjs")
    assert "BatchNormalization" not in layers(tmp_path / "f16")


def test_enable_pass_runs_an_opt_in_pass(gen64):
    _, tmp = gen64
    taps = layers(tmp / "taps")
    # dc1 (4x4 input) and dc2 (8x8) are split into phases woven back by a Permute; dc3 and
    # the stride-1 dc4 save too little to split.
    assert taps.count("Conv2DTranspose") == 2 and taps.count("Permute") == 2
    with pytest.raises(IrcError, match="not an opt-in pass"):
        from passes.pipeline import default_pipeline
        default_pipeline(enable=["fold-batchnorm"])


def test_required_passes_cannot_be_disabled():
    from passes.pipeline import default_pipeline
    with pytest.raises(IrcError, match="required"):
        default_pipeline(disable=["conv-kernel"])
    with pytest.raises(IrcError, match="unknown pass"):
        default_pipeline(disable=["no-such-pass"])
    assert "fold-batchnorm" not in default_pipeline(optimize=False)
