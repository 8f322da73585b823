"""Compiling the same input twice gives byte-identical files in OUT (model.bin, TF.js shards,
Keras files, manifest.json, report.md, index.html, ...): nothing depends on the clock, the
temporary directory, dict or set order, or a random seed left unset. Each compile runs in a
fresh Python process, as `irc compile` does, so that process-level state (hash seeds,
already-imported modules, caches) cannot make two runs agree by accident."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.chainer_models import save_random_generator
from tests.onnx_models import OnnxBuilder, batch_norm_params

ROOT = Path(__file__).resolve().parents[1]


def compile_twice(tmp_path, model, *args):
    """{relative path: bytes} of OUT for two `irc compile` runs in fresh processes."""
    results = []
    for run in ("a", "b"):
        out = tmp_path / run
        # Different hash seeds: set iteration order must not reach the files.
        env = {**os.environ, "PYTHONHASHSEED": str(len(results) + 1)}
        proc = subprocess.run([sys.executable, "-m", "irc", "compile", str(model), "-o", str(out), *args],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        results.append({str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    return results


def assert_identical(first, second):
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert not differing, f"files differ between two compiles of the same input: {differing}"


def small_onnx_model(path):
    b = OnnxBuilder((1, 3, 9, 8))
    c = b.node("Conv", ["x", b.weight(6, 3, 3, 3), b.weight(6)], pads=[1, 1, 1, 1])
    h = b.node("Relu", [b.node("BatchNormalization", [c] + batch_norm_params(b, 6))])
    y = b.node("Sigmoid", [b.node("ConvTranspose", [h, b.weight(6, 4, 4, 4)], strides=[2, 2], pads=[1, 1, 1, 1])])
    path.write_bytes(b.model([y]).SerializeToString())
    return path


@pytest.fixture(scope="module")
def chainer_npz(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "gen.npz"
    save_random_generator(path, 64)
    return path


@pytest.mark.parametrize("args", [
    ["--target", "kerasjs,tfjs,keras"],
    ["--target", "kerasjs,tfjs", "--quantize", "uint8"],
], ids=["float32", "uint8"])
def test_chainer_compile_is_byte_identical(tmp_path, chainer_npz, args):
    first, second = compile_twice(tmp_path, chainer_npz, *args)
    assert {"model.bin", "manifest.json", "report.md", "index.html", "tfjs/model.json"} <= set(first)
    assert_identical(first, second)


def test_onnx_compile_is_byte_identical(tmp_path):
    model = small_onnx_model(tmp_path / "small.onnx")
    first, second = compile_twice(tmp_path, model, "--target", "kerasjs,tfjs")
    assert_identical(first, second)
