"""--quantize uint8 for Keras.js 1.0: its own quantize_min/max encoding, small tensors and
--quantize-keep matches left float32, errors reported per tensor and end to end."""

import re

import numpy as np
import pytest

from irc.compile import CompileOptions, compile_model
from irc.targets.quantize import MIN_QUANTIZED_SIZE, uint8_affine, uint8_decoded
from tests.chainer_models import save_random_generator


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    path = tmp_path_factory.mktemp("quantize") / "gen.npz"
    save_random_generator(path, 64, seed=9)
    return path


def compile_uint8(gen, out, keep=None):
    return compile_model(gen, out, CompileOptions(quantize="uint8", quantize_keep=keep))


def test_uint8_is_a_quarter_of_float32_and_reports_its_error(gen, tmp_path):
    compile_model(gen, tmp_path / "f32", CompileOptions(probe=False))
    _, (probe,) = compile_uint8(gen, tmp_path / "u8")
    ratio = (tmp_path / "u8" / "model.bin").stat().st_size / (tmp_path / "f32" / "model.bin").stat().st_size
    assert 0.25 < ratio < 0.31        # at ch=64 the float32 batch-norm layers are 5% of the file
    error = probe.errors["sigmoid_0"]
    assert 1e-4 < error.max_abs < 0.2 and error.psnr > 30      # measured by running the uint8 file
    report = (tmp_path / "u8" / "report.md").read_text()
    # Layer numbers depend on the layer list (uint8 keeps the batch norms: compile.py).
    assert "## Quantization" in report and re.search(r"\| `dc1_\d+/kernel` \|", report)
    assert not re.search(r"\| `dc1_\d+/bias` \|", report)          # 32 values: kept float32


def test_keep_pattern_leaves_matching_tensors_float32(gen, tmp_path):
    compile_uint8(gen, tmp_path / "all")
    compile_uint8(gen, tmp_path / "keep", keep=r"dc1_\d+/kernel")
    grown = (tmp_path / "keep" / "model.bin").stat().st_size - (tmp_path / "all" / "model.bin").stat().st_size
    assert abs(grown - 3 * 4 * 4 * 32 * 64) < 16      # 3 more bytes a weight, less the min/max fields
    quantized = (tmp_path / "keep" / "report.md").read_text().split("## Quantization")[1]
    assert not re.search(r"\| `dc1_\d+/kernel` \|", quantized)


def test_range_clips_only_rare_extremes_and_decodes_like_kerasjs():
    weights = np.random.default_rng(0).normal(0, 0.02, 200_000).astype(np.float32)
    codes, low, high = uint8_affine(weights)
    decoded = uint8_decoded(codes, low, high)
    inside = (weights >= low) & (weights <= high)
    assert inside.mean() > 0.999
    assert np.abs(decoded - weights)[inside].max() <= (high - low) / 255 / 2 * 1.001
    assert MIN_QUANTIZED_SIZE <= 32 * 64 * 16


def test_unknown_mode_and_bad_pattern_are_clean_errors(gen, tmp_path):
    from irc.errors import IrcError
    with pytest.raises(IrcError, match="--quantize int4: expected one of uint8, float16"):
        compile_model(gen, tmp_path / "a", CompileOptions(quantize="int4"))
    with pytest.raises(IrcError, match=r"--quantize-keep \(: not a regular expression"):
        compile_uint8(gen, tmp_path / "b", keep="(")
