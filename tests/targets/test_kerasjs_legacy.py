"""The kerasjs-legacy target: Keras.js 0.3.0's model_arch.json + model_weights.buf +
model_metadata.json, run in the real keras-js 0.3.0 under Node (node_modules/keras-js-legacy)
against Chainer for the DCGAN generator and a classifier, against an independent numpy
interpreter for hand-built layer graphs, and refused at compile time where 0.3.0 would be wrong."""

import json
from pathlib import Path

import numpy as np
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.compile import CompileOptions, compile_model
from irc.errors import IrcError
from irc.targets import get_target
from irc.targets.kerasjs_legacy.writer import FILES, check_for_kerasjs_legacy, write_legacy_files
from tests.chainer_models import chainer_forward, save_random_generator
from tests.emit.emit_models import (
    branchy_model,
    deconv_model,
    flatten_model,
    generator_model,
    input_layer,
    keras_model,
    layer,
    permute_model,
    random_inputs,
)
from tests.emit.numpy_reference import run_reference

TOLERANCE = 1e-5
ARCHS = Path(__file__).resolve().parents[1] / "chainer_archs.py"
LEGACY = get_target("kerasjs-legacy")


def save_random_cnn(path, seed=4):
    import chainer

    from tests.e2e.test_chainer_models import build
    model = build("CNN", seed)
    chainer.serializers.save_npz(str(path), model)
    return model


@pytest.fixture(scope="module", params=["dcgan", "cnn"])
def compiled(request, tmp_path_factory):
    """DCGAN (ch=64) for kerasjs-legacy alone, the CNN for kerasjs and kerasjs-legacy together."""
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "dcgan":
        source = save_random_generator(tmp / "model.npz", 64, seed=11)
        options = CompileOptions(targets=["kerasjs-legacy"], probe=False)
        x = np.random.RandomState(7).uniform(-1, 1, (1, 100, 1, 1)).astype(np.float32)
    else:
        source = save_random_cnn(tmp / "model.npz")
        options = CompileOptions(targets=["kerasjs", "kerasjs-legacy"], probe=False, arch=f"{ARCHS}:CNN",
                                 input_shape=(1, 3, 20, 16))
        x = np.random.RandomState(8).uniform(-1, 1, (1, 3, 20, 16)).astype(np.float32)
    compile_model(tmp / "model.npz", tmp / "out", options)
    return tmp / "out", read_manifest(tmp / "out"), x, chainer_forward(source, x)


def test_keras_js_0_3_matches_chainer(compiled):
    out, manifest, x, expected = compiled
    assert expected.std() > 0.05                     # a saturated output would hide errors
    for target in manifest["targets"]:
        got = run_manifest(out, manifest, {manifest["inputs"][0]["source_name"]: x}, target=target)
        got = got[manifest["outputs"][0]["source_name"]]
        assert got.shape == expected.shape
        assert np.abs(got - expected).max() <= TOLERANCE, target


def test_manifest_lists_the_three_files(compiled):
    out, manifest, _, _ = compiled
    entry = manifest["targets"]["kerasjs-legacy"]
    assert entry["files"] == ["model_arch.json", "model_weights.buf", "model_metadata.json"]
    assert entry["runtime"] == "keras-js@0.3.0" and entry["quantization"] == "float32"
    assert entry["bytes"] == sum((out / f).stat().st_size for f in entry["files"])
    if "kerasjs" in manifest["targets"]:
        assert manifest["targets"]["kerasjs"]["files"] == ["model.bin"] and (out / "model.bin").is_file()


def test_files_follow_the_encoder_format(compiled):
    """encoder.py's layout: float32 weights back to back, metadata offsets in bytes."""
    out, manifest, _, _ = compiled
    arch = json.loads((out / "model_arch.json").read_text())
    metadata = json.loads((out / "model_metadata.json").read_text())
    weights = (out / "model_weights.buf").read_bytes()
    assert arch["class_name"] == "Model" and arch["keras_version"] == "2.0.4"
    layers = {entry["name"]: entry for entry in arch["config"]["layers"]}
    offset = 0
    for meta in metadata:
        assert meta["offset"] == offset and meta["type"] == "float32"
        assert meta["length"] == int(np.prod(meta["shape"]))
        assert meta["weight_name"].startswith(meta["layer_name"] + "/") and meta["layer_name"] in layers
        offset += 4 * meta["length"]
    assert offset == len(weights)


@pytest.mark.parametrize("make", [generator_model, deconv_model, flatten_model, branchy_model],
                         ids=lambda make: make.__name__)
def test_hand_built_models_match_numpy(make, tmp_path):
    model = make(np.random.default_rng(0))
    assert write_legacy_files(model, tmp_path) == FILES
    inputs_list = [random_inputs(model, np.random.default_rng(seed)) for seed in (1, 2)]
    for inputs, outputs in zip(inputs_list, LEGACY.run(tmp_path, inputs_list)):
        expected = run_reference(model, inputs)
        assert sorted(outputs) == sorted(spec.layer for spec in model.outputs)
        for name, got in outputs.items():
            assert np.abs(got - expected[name]).max() <= TOLERANCE, name


def test_shared_inputs_and_prelu(tmp_path):
    """0.3.0 copies every layer's input, so BatchNormalization may share its input (1.0 needs a
    copy layer there); its PReLU reads the weight as 'alphas'."""
    rng = np.random.default_rng(3)
    alpha = rng.uniform(0.1, 0.5, (2, 3, 4))
    bn = [("gamma", rng.uniform(0.5, 1.5, 4)), ("beta", rng.normal(0, 0.3, 4)),
          ("moving_mean", rng.normal(0, 0.5, 4)), ("moving_variance", rng.uniform(0.3, 3, 4))]
    model = keras_model("shared", [
        input_layer("x", (2, 3, 4)),
        layer("bn", "BatchNormalization", {"axis": -1, "epsilon": 1e-3}, ["x"], bn),
        layer("prelu", "PReLU", {"shared_axes": None}, ["x"], [("alpha", alpha)]),
        layer("sum", "Add", {}, ["bn", "prelu", "x"]),
    ], [("x", (2, 3, 4))], [("sum", (2, 3, 4))])
    write_legacy_files(model, tmp_path)
    metadata = json.loads((tmp_path / "model_metadata.json").read_text())
    assert [m["weight_name"] for m in metadata if m["layer_name"] == "prelu"] == ["prelu/alphas:0"]
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    got = LEGACY.run(tmp_path, [{"x": x}])[0]["sum"]
    w = {name: array for name, array in bn}
    expected = ((x - w["moving_mean"]) / np.sqrt(w["moving_variance"] + 1e-3) * w["gamma"] + w["beta"]
                + np.where(x > 0, x, alpha * x) + x)
    assert np.abs(got - expected).max() <= TOLERANCE


def test_concatenations_off_the_last_axis_stay_one_concatenate(tmp_path):
    """A padded max pool (edge padding: Cropping2D, Concatenate on H and W) and a Concat on
    H: the lowered model and 0.3.0 have one Concatenate per axis (only the kerasjs target
    wraps them in Permutes, for 1.0's WebGL path), and both match ONNX Runtime."""
    import onnx

    from tests.onnx_models import OnnxBuilder, run_ort
    b = OnnxBuilder((1, 5, 7, 6))
    pooled = b.node("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    joined = b.node("Concat", [b.node("Relu", ["x"]), "x"], axis=2)
    onnx.save(b.model([pooled, joined]), tmp_path / "m.onnx")
    model, _ = compile_model(tmp_path / "m.onnx", tmp_path / "out",
                             CompileOptions(targets=["kerasjs", "kerasjs-legacy"], probe=False))
    assert "Permute" not in {layer.class_name for layer in model.layers}
    arch = json.loads((tmp_path / "out" / "model_arch.json").read_text())
    assert "Permute" not in {entry["class_name"] for entry in arch["config"]["layers"]}
    x = b.input(-1.0, 0.25)
    expected = run_ort(b.model([pooled, joined]), {"x": x})
    manifest = read_manifest(tmp_path / "out")
    for target in ("kerasjs", "kerasjs-legacy"):
        got = run_manifest(tmp_path / "out", manifest, {"x": x}, target=target)
        for name in (pooled, joined):
            assert np.abs(got[name] - expected[name]).max() <= TOLERANCE, (target, name)


def _one_layer(class_name, config, shape, weights=(), inputs=1):
    names = ["x", "y"][:inputs]
    return keras_model("one", [*(input_layer(n, shape) for n in names),
                               layer("it", class_name, config, names, weights)],
                       [(n, shape) for n in names], [("it", shape)])


REFUSED = {
    "Subtract": (_one_layer("Subtract", {}, (3,), inputs=2), "has no Subtract layer"),
    "Permute": (permute_model(np.random.default_rng(0)), "transposed view"),
    "Dense on 2-D": (_one_layer("Dense", {"units": 2, "use_bias": False}, (3, 4),
                                [("kernel", np.ones((4, 2)))]), "for 1-D inputs only"),
    "softmax on 3-D": (_one_layer("Activation", {"activation": "softmax"}, (2, 3, 4)), "1-D and 2-D"),
    "selu": (_one_layer("Activation", {"activation": "selu"}, (3,)), "'selu' does not exist"),
    "channels_first crop": (_one_layer("Cropping2D", {"cropping": [[1, 0], [0, 0]], "data_format": "channels_first"},
                                       (2, 4, 3)), "transposed view"),
    "avg pool overhanging both ends": (_one_layer("AveragePooling2D", {"pool_size": [5, 5], "strides": [1, 1],
                                                                       "padding": "same"}, (3, 3, 2)),
                                       "overhangs both ends"),
    "dilated deconv": (_one_layer("Conv2DTranspose", {"filters": 2, "kernel_size": [2, 2], "dilation_rate": [2, 2],
                                                      "use_bias": False}, (3, 3, 2),
                                  [("kernel", np.ones((2, 2, 2, 2)))]), "ignores dilation_rate"),
    "broadcasting Add": (keras_model("one", [input_layer("x", (3, 4)), input_layer("y", (4,)),
                                             layer("it", "Add", {}, ["x", "y"])],
                                     [("x", (3, 4)), ("y", (4,))], [("it", (3, 4))]), "equal shapes only"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refuses_what_keras_js_0_3_gets_wrong(case, tmp_path):
    model, reason = REFUSED[case]
    with pytest.raises(IrcError, match=reason) as error:
        LEGACY.write(model, tmp_path, None)
    assert "'it'" in str(error.value) or "'to_chw'" in str(error.value)
    assert "\n" not in str(error.value)
    assert not list(tmp_path.iterdir())


def test_compile_refuses_an_unsupported_layer_and_writes_nothing(tmp_path):
    """x - y lowers to Subtract, which Keras.js 1.0 has and 0.3.0 does not."""
    import onnx
    from onnx import TensorProto, helper
    vector = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 5]) for n in ("x", "y", "d")]
    graph = helper.make_graph([helper.make_node("Sub", ["x", "y"], ["d"])], "sub", vector[:2], vector[2:])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), tmp_path / "sub.onnx")
    compile_model(tmp_path / "sub.onnx", tmp_path / "ok", CompileOptions(targets=["kerasjs"], probe=False))
    with pytest.raises(IrcError, match=r"^kerasjs-legacy: layer '\w+' \(Subtract, from Sub[:\w]*\): "
                                       r"Keras.js 0.3.0 has no Subtract layer"):
        compile_model(tmp_path / "sub.onnx", tmp_path / "out",
                      CompileOptions(targets=["kerasjs", "kerasjs-legacy"], probe=False))
    assert not (tmp_path / "out").exists()


def test_cannot_quantize():
    with pytest.raises(IrcError, match="target kerasjs-legacy cannot store it"):
        compile_model("unused.npz", "unused", CompileOptions(targets=["kerasjs-legacy"], quantize="uint8"))


def test_write_is_deterministic(tmp_path):
    for name in "ab":
        (tmp_path / name).mkdir()
        write_legacy_files(generator_model(np.random.default_rng(5)), tmp_path / name)
    for file in FILES:
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_runtime_failure_is_one_line_irc_error(tmp_path):
    model = generator_model(np.random.default_rng(2))
    check_for_kerasjs_legacy(model)
    write_legacy_files(model, tmp_path)
    with pytest.raises(IrcError, match=r"input 'z' has shape \[3\], the model expects \[7\]"):
        LEGACY.run(tmp_path, [{"z": np.zeros(3, np.float32)}])
    (tmp_path / "model_weights.buf").unlink()
    with pytest.raises(IrcError, match="ENOENT") as error:
        LEGACY.run(tmp_path, [{"z": np.zeros(7, np.float32)}])
    assert "\n" not in str(error.value)
