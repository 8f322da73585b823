"""What only Keras.js 1.0 needs (irc/targets/kerasjs/legalize.py) is in model.bin alone: a copy
in front of an in-place layer whose input has two readers, Permutes around a Concatenate off
the last axis, a Dense wider than 2048 units split into groups. The .keras/.h5 and TF.js files
hold the lowered model as it is, with the same layer names, and every target matches ONNX Runtime."""

import json
import zipfile

import h5py
import numpy as np
import onnx
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.compile import CompileOptions, compile_model
from irc.targets.kerasjs.wide_dense import MAX_UNITS
from tests.onnx_models import OnnxBuilder, batch_norm_params, run_ort

TOLERANCE = 1e-4
WIDE_ROWS, WIDE_WIDTH = 20, 128                  # a Dense of 2560 units reshaped to 20 x 128
TARGETS = ["kerasjs", "keras", "tfjs"]


def in_place_with_two_readers(b):
    conv = b.node("Conv", ["x", b.weight(5, 5, 3, 3)], pads=[1, 1, 1, 1])
    return b.node("Add", [b.node("BatchNormalization", [conv] + batch_norm_params(b, 5)), conv])


def concat_off_the_last_axis(b):
    return b.node("Concat", [b.node("Relu", ["x"]), "x"], axis=2)               # H: Keras axis 1 of 3


def wide_dense_into_reshape(b):
    dense = b.node("Gemm", [b.node("Flatten", ["x"]), b.weight(5 * 7 * 6, WIDE_ROWS * WIDE_WIDTH, scale=0.1)])
    return b.node("Reshape", [dense, b.const(np.array([1, WIDE_ROWS, WIDE_WIDTH], np.int64))])


def has_copy_before_batch_norm(layers, lowered_names):
    (norm,) = [layer for layer in layers if layer["class_name"] == "BatchNormalization"]
    copy = next(layer for layer in layers if layer["name"] == norm["inbound_nodes"][0][0][0])
    return copy["class_name"] == "Reshape" and copy["name"] not in lowered_names


# hazard -> (graph, what model.bin has that the lowered model has not)
HAZARDS = {
    "in-place": (in_place_with_two_readers, has_copy_before_batch_norm),
    "concat": (concat_off_the_last_axis, lambda layers, _: classes(layers).count("Permute") == 3),  # in, in, back
    "wide-dense": (wide_dense_into_reshape,
                   lambda layers, _: classes(layers).count("Dense") == -(-WIDE_ROWS // (MAX_UNITS // WIDE_WIDTH))),
}


@pytest.fixture(scope="module", params=list(HAZARDS))
def compiled(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    builder = OnnxBuilder((1, 5, 7, 6))
    outputs = [HAZARDS[request.param][0](builder)]
    onnx.save(builder.model(outputs), tmp / "m.onnx")
    model, _ = compile_model(tmp / "m.onnx", tmp / "out", CompileOptions(targets=TARGETS, probe=False))
    return request.param, builder, outputs, model, tmp / "out"


def kerasjs_layers(out):
    data = (out / "model.bin").read_bytes()
    # model_config is the one JSON text in model.bin (json.dumps(..., sort_keys=True)).
    config, _ = json.JSONDecoder().raw_decode(data[data.index(b'{"backend"'):].decode("utf-8", "ignore"))
    return config["config"]["layers"]


def keras_layers(out):
    with zipfile.ZipFile(out / "keras/model.keras") as archive:
        return json.loads(archive.read("config.json"))["config"]["layers"]


def h5_layers(out):
    with h5py.File(out / "keras/model.h5", "r") as f:
        return json.loads(f.attrs["model_config"])["config"]["layers"]


def tfjs_layers(out):
    return json.loads((out / "tfjs/model.json").read_text())["modelTopology"]["model_config"]["config"]["layers"]


def classes(layers):
    return [layer["class_name"] for layer in layers]


@pytest.mark.parametrize("read", [keras_layers, h5_layers, tfjs_layers], ids=["keras", "h5", "tfjs"])
def test_other_targets_hold_the_lowered_model(compiled, read):
    _, _, _, model, out = compiled
    layers = read(out)
    assert [layer["name"] for layer in layers] == [layer.name for layer in model.layers]
    assert classes(layers) == [layer.class_name for layer in model.layers]


def test_kerasjs_has_them(compiled):
    hazard, _, _, model, out = compiled
    layers = kerasjs_layers(out)
    lowered = {layer.name for layer in model.layers}
    assert HAZARDS[hazard][1](layers, lowered)
    names = [layer["name"] for layer in layers]
    assert len(set(names)) == len(names)
    assert not [(a, b) for a in names for b in names if a != b and a.endswith(b)]
    # The layers holding the outputs keep their names: the manifest's names hold in every target.
    assert {spec.layer for spec in model.outputs} <= set(names)


@pytest.mark.parametrize("target", TARGETS)
def test_every_target_matches_onnx_runtime(compiled, target):
    _, builder, outputs, _, out = compiled
    x = builder.input()
    expected = run_ort(builder.model(outputs), {"x": x})
    got = run_manifest(out, read_manifest(out), {"x": x}, target=target)
    for name in outputs:
        assert np.abs(got[name] - expected[name]).max() <= TOLERANCE * max(1, np.abs(expected[name]).max()), name
