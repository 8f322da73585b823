"""A model exported at batch N > 1 (irc/frontend/batch.py): compiled at batch 1 with
"source_batch": N in the manifest, `irc run` takes and gives batch-N arrays, matching ONNX
Runtime on the batch-N model; a model whose samples meet is refused naming the node."""

import json

import numpy as np
import pytest

from irc.cli import main
from tests.onnx_models import OnnxBuilder, batch_norm_params, run_ort

TOLERANCE = 1e-4


def conv_net(batch):
    """Conv -> BN -> Relu -> MaxPool -> Flatten -> Gemm -> Softmax on [batch, 3, 10, 8]: every
    node keeps the samples apart (Flatten and Gemm over the features of each sample)."""
    b = OnnxBuilder((batch, 3, 10, 8), seed=3)
    x = b.node("Conv", [b.input_name, b.weight(6, 3, 3, 3), b.weight(6, scale=0.3)], pads=[1, 1, 1, 1])
    x = b.node("Relu", [b.node("BatchNormalization", [x, *batch_norm_params(b, 6)])])
    x = b.node("Flatten", [b.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])], axis=1)
    x = b.node("Softmax", [b.node("Gemm", [x, b.weight(6 * 5 * 4, 7, scale=0.3)])], axis=1)
    return b, b.model([x])


def test_batch_three_runs_sample_by_sample_as_onnx_runtime_runs_the_batch(tmp_path):
    builder, model = conv_net(3)
    (tmp_path / "m.onnx").write_bytes(model.SerializeToString())
    assert main(["compile", str(tmp_path / "m.onnx"), "-o", str(tmp_path / "out")]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["source_batch"] == 3
    assert manifest["inputs"][0]["source_shape"] == [1, 3, 10, 8]      # what one Keras.js run takes
    x = builder.input()
    np.save(tmp_path / "x.npy", x)
    assert main(["run", str(tmp_path / "out"), "--input", str(tmp_path / "x.npy"),
                 "--output", str(tmp_path / "y.npy")]) == 0
    expected = next(iter(run_ort(model, {builder.input_name: x}).values()))
    got = np.load(tmp_path / "y.npy")
    assert got.shape == expected.shape == (3, 7)
    assert np.ptp(expected, axis=0).max() > 0.05         # the samples' results differ
    assert np.abs(got - expected).max() <= TOLERANCE * max(1.0, np.abs(expected).max())


def test_irc_run_refuses_a_batch_other_than_the_source_batch(tmp_path, capsys):
    builder, model = conv_net(3)
    (tmp_path / "m.onnx").write_bytes(model.SerializeToString())
    assert main(["compile", str(tmp_path / "m.onnx"), "-o", str(tmp_path / "out"), "--no-probe"]) == 0
    np.save(tmp_path / "x.npy", np.zeros((1, 3, 10, 8), np.float32))
    assert main(["run", str(tmp_path / "out"), "--input", str(tmp_path / "x.npy"),
                 "--output", str(tmp_path / "y.npy")]) == 2
    assert "input x has shape [1, 3, 10, 8]; the model takes [3, 3, 10, 8]" in capsys.readouterr().err


def _flatten_over_batch(b):
    """Flatten at axis 0: one row of all the samples' features, then a Dense over it."""
    x = b.node("Flatten", [b.input_name], axis=0)
    return b.node("Gemm", [x, b.weight(2 * 3 * 4 * 5, 6)])


def _reshape_to_batch_one(b):
    return b.node("Reshape", [b.input_name, b.const(np.array([1, -1], np.int64))])


def _softmax_over_batch(b):
    """Every shape stays [2, 3, 4, 5]; only the numbers show the samples meet."""
    return b.node("Softmax", [b.input_name], axis=0)


def _constant_sized_for_the_batch(b):
    """A [2, 3, 1, 1] scale: a weight per sample, which a batch-1 model cannot hold."""
    return b.node("Mul", [b.input_name, b.weight(2, 3, 1, 1)])


def _concat_along_batch(b):
    return b.node("Concat", [b.input_name, b.node("Relu", [b.input_name])], axis=0)


@pytest.mark.parametrize("build, node, why", [
    (_flatten_over_batch, "Flatten_1 (Flatten)", "does not keep the batch axis first"),
    (_reshape_to_batch_one, "Reshape_1 (Reshape)", "does not keep the batch axis first"),
    (_softmax_over_batch, "Softmax_1 (Softmax)", "sample 0 run alone differs from the batch-2 run"),
    (_constant_sized_for_the_batch, "Mul_1 (Mul)", "a constant fixes the batch size at 2"),
    (_concat_along_batch, "Concat_2 (Concat)", ""),
], ids=lambda v: v.__name__.strip("_") if callable(v) else None)
def test_a_model_whose_samples_meet_is_refused_naming_the_node(build, node, why, tmp_path, capsys):
    b = OnnxBuilder((2, 3, 4, 5), seed=1)
    (tmp_path / "m.onnx").write_bytes(b.model([build(b)]).SerializeToString())
    assert main(["compile", str(tmp_path / "m.onnx"), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert f"m.onnx: node {node}: " in err and why in err, err
    assert "mixes the samples of the batch" in err or "Concat along the batch axis" in err, err
    assert not (tmp_path / "out").exists()
