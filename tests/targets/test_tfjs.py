"""The tfjs target: tfjs/model.json + weight shards, loaded by tf.loadLayersModel in the real
@tensorflow/tfjs 4.22 under Node (irc/targets/tfjs/run_tfjs.js, cpu backend; one case on wasm) and
compared with Chainer (DCGAN generator, a classifier) and with an independent numpy
interpreter (hand-built layer graphs, including the layers tfjs needs rewritten); quantized
weights as tfjs decodes them against what the compile report records."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.compile import CompileOptions, compile_model
from irc.errors import IrcError
from irc.lower.rules.elementwise import AFFINE_EPSILON, AFFINE_VARIANCE
from irc.targets.quantize import MIN_QUANTIZED_SIZE, Quantization
from irc.targets.tfjs.runtime import read_tfjs_weights, run_tfjs_many
from irc.targets.tfjs.writer import MAX_SHARDS, SHARD_BYTES, affine_codes, write_tfjs
from tests.chainer_models import chainer_forward, save_random_generator
from tests.emit.emit_models import ALL_MODELS, input_layer, keras_model, layer, random_inputs
from tests.emit.numpy_reference import LAYERS as REFERENCE_LAYERS, run_reference

TOLERANCE = 1e-5
ARCHS = Path(__file__).resolve().parents[1] / "chainer_archs.py"


# --- an independent float64 reference for the layers tests/emit/numpy_reference.py lacks ---------

def _axis(config, x):
    axis = config.get("axis", -1)
    return axis - 1 if axis > 0 else axis + x.ndim


def _batch_norm(config, weights, x):
    shape = [1] * x.ndim
    shape[_axis(config, x)] = -1
    w = {k: v.reshape(shape) for k, v in weights.items()}
    y = (x - w["moving_mean"]) / np.sqrt(w["moving_variance"] + config.get("epsilon", 1e-3))
    return y * w.get("gamma", 1) + w.get("beta", 0)


def _channels_last(class_name):
    """The reference's channels-last layer, transposed around for a channels_first tensor."""
    def apply(config, weights, x):
        fn = REFERENCE_LAYERS[class_name]
        if config.get("data_format") == "channels_first":
            return fn(config, weights, x.transpose(1, 2, 0)).transpose(2, 0, 1)
        return fn(config, weights, x)
    return apply


def _pool(config, x, reduce, class_name):
    """'same' pooling (the padded cells left out, as TensorFlow does); 'valid' by the reference."""
    if config.get("padding", "valid") != "same":
        return REFERENCE_LAYERS[class_name](config, {}, x)
    (kh, kw), (sh, sw) = config["pool_size"], config["strides"]
    out = []
    for n, k, s in ((x.shape[0], kh, sh), (x.shape[1], kw, sw)):
        count = -(-n // s)
        before = max((count - 1) * s + k - n, 0) // 2
        out.append([(max(j * s - before, 0), min(j * s - before + k, n)) for j in range(count)])
    return np.array([[reduce(x[a:b, c:d], axis=(0, 1)) for c, d in out[1]] for a, b in out[0]])


def _activation(name, x):
    selu_alpha, selu_scale = 1.6732632423543772, 1.0507009873554805
    return {
        "softplus": lambda: np.logaddexp(0, x),
        "softsign": lambda: x / (1 + np.abs(x)),
        "selu": lambda: selu_scale * np.where(x > 0, x, selu_alpha * np.expm1(x)),
        "hard_sigmoid": lambda: np.clip(0.2 * x + 0.5, 0, 1),
        "elu": lambda: np.where(x > 0, x, np.expm1(x)),
        "softmax": lambda: np.exp(x - x.max(-1, keepdims=True)) / np.exp(x - x.max(-1, keepdims=True)).sum(
            -1, keepdims=True),
    }.get(name, lambda: REFERENCE_LAYERS["Activation"]({"activation": name}, {}, x))()


def _separable_conv(config, weights, x):
    """Depthwise (each input channel with its own depth_multiplier kernels), then 1x1."""
    depthwise = weights["depthwise_kernel"]                          # (kh, kw, in, multiplier)
    kh, kw, channels, multiplier = depthwise.shape
    full = np.zeros((kh, kw, channels, channels * multiplier))
    for c in range(channels):
        full[:, :, c, c * multiplier:(c + 1) * multiplier] = depthwise[:, :, c]
    y = REFERENCE_LAYERS["Conv2D"]({**config, "use_bias": False, "activation": "linear"}, {"kernel": full}, x)
    return y @ weights["pointwise_kernel"][0, 0] + weights["bias"]


EXTRA_LAYERS = {
    "SeparableConv2D": _separable_conv,
    "BatchNormalization": _batch_norm,
    "Activation": lambda config, weights, x: _activation(config["activation"], x),
    "Subtract": lambda config, weights, a, b: a - b,
    "Multiply": lambda config, weights, *xs: np.prod(xs, axis=0),
    "Maximum": lambda config, weights, *xs: np.max(xs, axis=0),
    "Minimum": lambda config, weights, *xs: np.min(xs, axis=0),
    "Average": lambda config, weights, *xs: np.mean(xs, axis=0),
    "PReLU": lambda config, weights, x: np.where(x > 0, x, weights["alpha"] * x),
    "ELU": lambda config, weights, x: np.where(x > 0, x, config["alpha"] * np.expm1(x)),
    "ThresholdedReLU": lambda config, weights, x: np.where(x > config["theta"], x, 0),
    "Cropping2D": _channels_last("Cropping2D"),
    "ZeroPadding2D": _channels_last("ZeroPadding2D"),
    "UpSampling2D": _channels_last("UpSampling2D"),
    "MaxPooling2D": lambda config, weights, x: _pool(config, x, np.max, "MaxPooling2D"),
    "AveragePooling2D": lambda config, weights, x: _pool(config, x, np.mean, "AveragePooling2D"),
    "GlobalMaxPooling2D": lambda config, weights, x: x.max(axis=(0, 1)),
    "RepeatVector": lambda config, weights, x: np.repeat(x[None], config["n"], axis=0),
}


def run_extended_reference(model, inputs):
    """tests/emit/numpy_reference.py's interpreter, with the layers above added."""
    layers = {**REFERENCE_LAYERS, **EXTRA_LAYERS}
    values = {}
    for node in model.layers:
        if node.class_name == "InputLayer":
            values[node.name] = np.asarray(inputs[node.name], dtype=np.float64)
            continue
        weights = {param: np.asarray(array, dtype=np.float64) for param, array in node.weights}
        values[node.name] = layers[node.class_name](node.config, weights, *[values[i] for i in node.inbound])
    return values


def tfjs_zoo_model(rng):
    """The layers tfjs-layers has in other forms than Keras 2.1 (Subtract, BatchNormalization on
    a non-last axis, affine maps) and the rest of what the lowering emits; a rewritten layer is
    both consumed and a model output."""
    def normal(*shape, scale=1.0):
        return scale * rng.standard_normal(shape)

    affine = [("gamma", normal(4)), ("beta", normal(4)), ("moving_mean", normal(4)),
              ("moving_variance", np.full(4, AFFINE_VARIANCE))]
    layers = [
        input_layer("x", (5, 4, 3)),
        layer("c", "Conv2D", {"filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
                              "data_format": "channels_last", "activation": "linear", "use_bias": True},
              ["x"], [("kernel", normal(3, 3, 3, 4, scale=0.3)), ("bias", normal(4, scale=0.1))]),
        layer("sep", "SeparableConv2D", {"filters": 4, "kernel_size": [2, 3], "strides": [1, 1], "padding": "same",
                                         "depth_multiplier": 2, "data_format": "channels_last",
                                         "activation": "linear", "use_bias": True}, ["c"],
              [("depthwise_kernel", normal(2, 3, 4, 2, scale=0.3)), ("pointwise_kernel", normal(1, 1, 8, 4, scale=0.3)),
               ("bias", normal(4, scale=0.1))]),
        layer("bn_h", "BatchNormalization", {"axis": 1, "epsilon": 0.01, "momentum": 0.99, "center": True,
                                             "scale": True}, ["c"],
              [("gamma", rng.uniform(0.5, 1.5, 5)), ("beta", normal(5, scale=0.3)), ("moving_mean", normal(5)),
               ("moving_variance", rng.uniform(0.2, 2, 5))]),
        layer("affine", "BatchNormalization", {"axis": -2, "epsilon": AFFINE_EPSILON, "momentum": 0.99,
                                               "center": True, "scale": True}, ["sep"], affine),
        layer("sub", "Subtract", {}, ["bn_h", "affine"]),
        layer("prelu", "PReLU", {"shared_axes": None}, ["sub"], [("alpha", rng.uniform(0, 0.5, (5, 4, 4)))]),
        layer("elu", "ELU", {"alpha": 1.0}, ["sub"]),
        layer("thr", "ThresholdedReLU", {"theta": 0.1}, ["sub"]),
        layer("mx", "Maximum", {}, ["prelu", "elu"]),
        layer("mn", "Minimum", {}, ["thr", "sub"]),
        layer("avg", "Average", {}, ["mx", "mn", "sub"]),
        layer("mul", "Multiply", {}, ["avg", "sub"]),
        layer("crop_cf", "Cropping2D", {"cropping": [[1, 0], [0, 1]], "data_format": "channels_first"}, ["mul"]),
        layer("pad_cf", "ZeroPadding2D", {"padding": [[0, 1], [2, 0]], "data_format": "channels_first"},
              ["crop_cf"]),                                                           # -> (5, 4, 5)
        layer("up_cf", "UpSampling2D", {"size": [2, 1], "data_format": "channels_first"}, ["pad_cf"]),  # (5, 8, 5)
        layer("maxp", "MaxPooling2D", {"pool_size": [3, 3], "strides": [2, 2], "padding": "same",
                                       "data_format": "channels_last"}, ["up_cf"]),  # -> (3, 4, 5)
        layer("avgp", "AveragePooling2D", {"pool_size": [2, 3], "strides": [2, 2], "padding": "same",
                                           "data_format": "channels_last"}, ["maxp"]),  # -> (2, 2, 5)
        layer("gmp", "GlobalMaxPooling2D", {"data_format": "channels_last"}, ["avgp"]),  # -> (5,)
        layer("rep", "RepeatVector", {"n": 3}, ["gmp"]),                               # -> (3, 5)
        layer("soft", "Activation", {"activation": "softmax"}, ["rep"]),
        layer("splus", "Activation", {"activation": "softplus"}, ["rep"]),
        layer("ssign", "Activation", {"activation": "softsign"}, ["splus"]),
        layer("selu", "Activation", {"activation": "selu"}, ["rep"]),
        layer("hsig", "Activation", {"activation": "hard_sigmoid"}, ["selu"]),
        layer("eluact", "Activation", {"activation": "elu"}, ["rep"]),
        layer("cat", "Concatenate", {"axis": 1}, ["soft", "ssign", "hsig", "eluact"]),  # -> (12, 5)
        layer("dense3d", "Dense", {"units": 2, "activation": "linear", "use_bias": True}, ["cat"],
              [("kernel", normal(5, 2)), ("bias", normal(2))]),                        # -> (12, 2)
    ]
    return keras_model("tfjs_zoo", layers, [("x", (5, 4, 3))],
                       [("dense3d", (12, 2)), ("bn_h", (5, 4, 4)), ("sub", (5, 4, 4))])


def run_tfjs(model, inputs, tmp, backend=None, quantization=None):
    files = write_tfjs(model, tmp, quantization)
    return run_tfjs_many(tmp / files[0], [inputs], backend)[0], files


# --- hand-built layer graphs vs numpy -----------------------------------------------------------

@pytest.mark.parametrize("build", ALL_MODELS + [tfjs_zoo_model], ids=lambda build: build.__name__)
def test_tfjs_matches_numpy_reference(build, tmp_path):
    rng = np.random.default_rng(0)
    model = build(rng)
    inputs = random_inputs(model, rng)
    result, files = run_tfjs(model, inputs, tmp_path)
    expected = run_extended_reference(model, inputs)
    assert result["backend"] == "cpu"
    assert sorted(result["outputs"]) == sorted(spec.layer for spec in model.outputs)
    for name, actual in result["outputs"].items():
        assert actual.shape == expected[name].shape, name
        assert np.abs(actual - expected[name]).max() <= TOLERANCE, name


def test_rewrites_keep_names_and_weights_load_strictly(tmp_path):
    model = tfjs_zoo_model(np.random.default_rng(0))
    files = write_tfjs(model, tmp_path)
    topology = json.loads((tmp_path / files[0]).read_text())["modelTopology"]["model_config"]
    layers = {entry["name"]: entry for entry in topology["config"]["layers"]}
    assert "Subtract" not in {entry["class_name"] for entry in layers.values()}
    assert layers["sub"]["class_name"] == "Add" and layers["bn_h"]["class_name"] == "Permute"
    assert layers["bn_h_last"]["config"]["axis"] == -1
    assert layers["affine_last"]["config"]["epsilon"] == 1.0                  # divisor exactly 1
    assert topology["config"]["output_layers"] == [["dense3d", 0, 0], ["bn_h", 0, 0], ["sub", 0, 0]]
    weights = read_tfjs_weights(tmp_path / files[0])                          # strict: all named
    np.testing.assert_array_equal(weights["bn_h_last/gamma"], model.layer("bn_h").weights[0][1])
    np.testing.assert_array_equal(weights["affine_last/moving_variance"], 0)
    np.testing.assert_array_equal(weights["sub_negate/gamma"], -1)


def test_wasm_backend_runs_the_same_files(tmp_path):
    rng = np.random.default_rng(0)
    model = tfjs_zoo_model(rng)
    inputs = random_inputs(model, rng)
    result, _ = run_tfjs(model, inputs, tmp_path, backend="wasm")
    expected = run_extended_reference(model, inputs)
    assert result["backend"] == "wasm"
    for name, actual in result["outputs"].items():
        assert np.abs(actual - expected[name]).max() <= TOLERANCE, name


def test_weights_shard_at_4_mb_and_load_in_order(tmp_path):
    rng = np.random.default_rng(3)
    kernel = rng.standard_normal((1100, 1000)).astype(np.float32) / 30    # 4.4 MB: two shards
    layers = [input_layer("v", (1100,)),
              layer("fc", "Dense", {"units": 1000, "activation": "linear", "use_bias": True}, ["v"],
                    [("kernel", kernel), ("bias", rng.standard_normal(1000))])]
    model = keras_model("big", layers, [("v", (1100,))], [("fc", (1000,))])
    inputs = random_inputs(model, rng)
    result, files = run_tfjs(model, inputs, tmp_path)
    assert files == ["tfjs/model.json", "tfjs/group1-shard1of2.bin", "tfjs/group1-shard2of2.bin"]
    assert (tmp_path / files[1]).stat().st_size == SHARD_BYTES
    assert (tmp_path / files[2]).stat().st_size == (1100 + 1) * 1000 * 4 - SHARD_BYTES
    expected = run_reference(model, inputs)["fc"]
    assert np.abs(result["outputs"]["fc"] - expected).max() <= TOLERANCE


def test_a_large_model_gets_at_most_six_shards(tmp_path):
    # Chromium's 6 connections per host: a 7th shard would hang tf.loadLayersModel.
    rng = np.random.default_rng(4)
    kernel = rng.standard_normal((3000, 3000)).astype(np.float32) / 60    # 36 MB: 9 shards of 4 MB
    layers = [input_layer("v", (3000,)),
              layer("fc", "Dense", {"units": 3000, "activation": "linear", "use_bias": False}, ["v"],
                    [("kernel", kernel)])]
    model = keras_model("wide", layers, [("v", (3000,))], [("fc", (3000,))])
    inputs = random_inputs(model, rng)
    result, files = run_tfjs(model, inputs, tmp_path)
    assert len(files) == 1 + MAX_SHARDS and files[-1] == f"tfjs/group1-shard{MAX_SHARDS}of{MAX_SHARDS}.bin"
    assert sum((tmp_path / f).stat().st_size for f in files[1:]) == kernel.nbytes
    assert np.abs(result["outputs"]["fc"] - run_reference(model, inputs)["fc"]).max() <= TOLERANCE


def test_a_model_without_weights_has_no_shards(tmp_path):
    layers = [input_layer("x", (2, 3, 4)), layer("p", "Permute", {"dims": [3, 1, 2]}, ["x"])]
    model = keras_model("moves", layers, [("x", (2, 3, 4))], [("p", (4, 2, 3))])
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    result, files = run_tfjs(model, {"x": x}, tmp_path)
    assert files == ["tfjs/model.json"]
    np.testing.assert_array_equal(result["outputs"]["p"], x.transpose(2, 0, 1))


@pytest.mark.parametrize("build, message", [
    (lambda: layer("e", "ELU", {"alpha": 0.5}, ["x"]), "'e' (ELU, from e): alpha 0.5"),
    (lambda: layer("d", "Conv2DTranspose", {"filters": 2, "kernel_size": [2, 2], "dilation_rate": [2, 2]}, ["x"],
                   [("kernel", np.ones((2, 2, 2, 3))), ("bias", np.ones(2))]), "'d' (Conv2DTranspose"),
    (lambda: layer("m", "Mish", {}, ["x"]), "tfjs-layers 4.22 has no Mish layer"),
    (lambda: layer("u", "UpSampling2D", {"size": [49, 1]}, ["x"]), "nearest-neighbour resize of 2 cells by 49"),
    (lambda: layer("a", "Activation", {"activation": "swishy"}, ["x"]), "activation 'swishy'"),
    (lambda: layer("k", "Dense", {"units": 2, "use_bias": False}, ["x"], [("kernel", np.ones((3, 2))),
                                                                          ("bias", np.ones(2))]), "has weights"),
])
def test_what_tfjs_cannot_compute_is_refused_naming_the_layer(build, message, tmp_path):
    model = keras_model("refused", [input_layer("x", (2, 4, 3)), build()], [("x", (2, 4, 3))], [])
    with pytest.raises(IrcError, match="^tfjs: layer ") as error:
        write_tfjs(model, tmp_path)
    assert message in str(error.value) and "\n" not in str(error.value)


# --- quantization -------------------------------------------------------------------------------

def test_affine_codes_keep_zero_and_constants_exact():
    w = np.array([-0.3, 0.0, 0.1, 0.7, 0.25], np.float32)
    codes, meta, decoded = affine_codes(w, np.uint8)
    assert decoded[1] == 0.0 and codes.dtype == np.uint8
    assert np.abs(decoded - w).max() <= meta["scale"] / 2 * (1 + 1e-6)
    _, _, decoded = affine_codes(np.full(7, 0.37, np.float32), np.uint8)
    np.testing.assert_array_equal(decoded, np.float32(0.37))
    codes, meta, decoded = affine_codes(w, np.uint16)
    assert codes.dtype == np.uint16 and np.abs(decoded - w).max() <= meta["scale"] / 2 * (1 + 1e-6)


def test_float16_beyond_range_is_refused_naming_the_tensor(tmp_path):
    kernel = np.ones((MIN_QUANTIZED_SIZE, 1))
    kernel[7] = 1e5
    layers = [input_layer("v", (MIN_QUANTIZED_SIZE,)),
              layer("fc", "Dense", {"units": 1}, ["v"], [("kernel", kernel), ("bias", [0.0])])]
    model = keras_model("wide", layers, [("v", (MIN_QUANTIZED_SIZE,))], [("fc", (1,))])
    with pytest.raises(IrcError, match=r"weight fc/kernel .* --quantize-keep 'fc/kernel'"):
        write_tfjs(model, tmp_path, Quantization("float16"))


@pytest.fixture(scope="module")
def dcgan(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dcgan")
    source = save_random_generator(tmp / "gen.npz", 64, seed=11)
    model, _ = compile_model(tmp / "gen.npz", tmp / "out", CompileOptions(targets=["tfjs"], probe=False))
    z = np.random.RandomState(7).uniform(-1, 1, (1, 100, 1, 1)).astype(np.float32)
    return tmp, source, model, z


def test_dcgan_float32_matches_chainer(dcgan):
    tmp, source, _, z = dcgan
    manifest = read_manifest(tmp / "out")
    assert manifest["targets"]["tfjs"]["files"] == ["tfjs/model.json", "tfjs/group1-shard1of1.bin"]
    assert all((tmp / "out" / f).is_file() for f in manifest["targets"]["tfjs"]["files"])
    model_json = json.loads((tmp / "out" / "tfjs" / "model.json").read_text())
    assert model_json["format"] == "layers-model"
    got = run_manifest(tmp / "out", manifest, {manifest["inputs"][0]["source_name"]: z}, target="tfjs")
    expected = chainer_forward(source, z)
    got = got[manifest["outputs"][0]["source_name"]]
    assert got.shape == expected.shape == (1, 3, 32, 32) and expected.std() > 0.1
    assert np.abs(got - expected).max() <= TOLERANCE


@pytest.mark.parametrize("mode, width", [("uint8", 1), ("uint16", 2), ("float16", 2)])
def test_quantized_weights_decode_to_what_the_report_records(dcgan, mode, width):
    """tfjs's own decoded variables (read back from the loaded model) against the originals:
    exactly the per-tensor error irc.targets.quantize recorded; small and kept tensors float32."""
    tmp, _, model, _ = dcgan
    out = tmp / mode
    out.mkdir()
    quantization = Quantization(mode, keep="dc2_.*/kernel")
    files = write_tfjs(model, out, quantization)
    tfjs = read_tfjs_weights(out / files[0])
    originals = {f"{layer.name}/{param}": array for layer in model.layers for param, array in layer.weights}
    assert set(tfjs) == set(originals)
    kept = {name for name in originals if re.search("dc2_.*/kernel", name)}
    quantized = {name for name, a in originals.items() if a.size >= MIN_QUANTIZED_SIZE} - kept
    assert len(kept) == 1 and len(quantized) == 2 and set(quantization.errors) == quantized
    for name, original in originals.items():
        error = float(np.abs(tfjs[name].astype(np.float64) - original).max())
        assert error == (quantization.errors[name][0] if name in quantized else 0.0), name
        if name in quantized and mode != "uint8":          # uint8 may clip rare extremes (irc.targets.quantize)
            assert 0 < error <= 2 ** -11 * np.abs(original).max(), name   # float16's half step at the top
    entries = json.loads((out / files[0]).read_text())["weightsManifest"][0]["weights"]
    assert {e["name"] for e in entries if "quantization" in e} == quantized
    assert all(e["quantization"]["dtype"] == mode for e in entries if "quantization" in e)
    size = sum((out / f).stat().st_size for f in files[1:])
    assert size == sum(a.size * (width if name in quantized else 4) for name, a in originals.items())


@pytest.mark.parametrize("mode", ["uint8", "float16"])
def test_quantized_compile_reports_the_error_tfjs_shows(dcgan, mode):
    """irc compile --quantize: the report's per-tensor errors are those of the weights tfjs
    loads from the compiled files; the probe error is the end-to-end error tfjs shows."""
    tmp, source, _, z = dcgan
    out = tmp / f"compiled_{mode}"
    # Its own lowered model: under uint8 the batch norms stay layers (irc/compile.py).
    model, fidelity = compile_model(tmp / "gen.npz", out, CompileOptions(targets=["tfjs"], quantize=mode))
    manifest = read_manifest(out)
    assert manifest["targets"]["tfjs"]["quantization"] == mode
    section = (out / "report.md").read_text().split("## Quantization")[1].split("\n## ")[0]
    rows = {line.split("|")[1].strip(" `"): line.split("|")[2].strip()
            for line in section.splitlines() if line.startswith("| `")}
    # small tensors stay float32
    assert [name.split("_")[0] + "/" + name.split("/")[1] for name in sorted(rows)] == \
        ["dc1/kernel", "dc2/kernel", "l0/kernel"]
    tfjs = read_tfjs_weights(out / "tfjs" / "model.json")
    originals = {f"{layer.name}/{param}": array for layer in model.layers for param, array in layer.weights}
    for name, reported in rows.items():
        assert f"{np.abs(tfjs[name].astype(np.float64) - originals[name]).max():.2e}" == reported, name
    probe = fidelity[0].errors[manifest["outputs"][0]["source_name"]]
    got = run_manifest(out, manifest, {manifest["inputs"][0]["source_name"]: z}, target="tfjs")
    error = np.abs(got[manifest["outputs"][0]["source_name"]] - chainer_forward(source, z)).max()
    assert 1e-4 < probe.max_abs < 0.2 and probe.psnr > 30 and 1e-4 < error < 0.2


# --- a classifier -------------------------------------------------------------------------------

def test_cnn_classifier_matches_chainer(tmp_path):
    import chainer

    from irc.frontend.chainer_frontend import import_chainer, load_arch_class
    import_chainer()
    np.random.seed(5)
    source = load_arch_class(f"{ARCHS}:CNN")()
    rng = np.random.RandomState(5)
    source.bn1.avg_mean[...] = rng.normal(0, 0.5, source.bn1.avg_mean.shape)
    source.bn1.avg_var[...] = rng.uniform(0.3, 3.0, source.bn1.avg_var.shape)
    source.bn1.beta.array[...] = rng.normal(0, 0.3, source.bn1.beta.shape)
    chainer.serializers.save_npz(str(tmp_path / "cnn.npz"), source)
    options = CompileOptions(targets=["tfjs"], probe=False, arch=f"{ARCHS}:CNN", input_shape=(1, 3, 20, 16))
    compile_model(tmp_path / "cnn.npz", tmp_path / "out", options)
    manifest = read_manifest(tmp_path / "out")
    xs = [np.random.RandomState(s).uniform(-1, 1, (1, 3, 20, 16)).astype(np.float32) for s in (8, 9)]
    for x in xs:
        got = run_manifest(tmp_path / "out", manifest, {manifest["inputs"][0]["source_name"]: x}, target="tfjs")
        expected = chainer_forward(source, x)
        got = got[manifest["outputs"][0]["source_name"]]
        assert got.shape == expected.shape == (1, 10) and np.ptp(expected) > 0.1
        assert np.abs(got - expected).max() <= TOLERANCE
