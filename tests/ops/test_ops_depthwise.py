"""Per-op: depthwise and grouped convolutions, compiled by irc and run in real Keras.js (irc's
build and stock keras-js 1.0.3) under Node, against ONNX Runtime. The lowering writes them at
their real size (DepthwiseConv2D; Conv2D with groups); Keras.js gets a SeparableConv2D whose
pointwise kernel (the identity, or the 0/1 sums of each group) is stored as exact uint8 codes,
or a block-diagonal Conv2D where that is smaller; TF.js its DepthwiseConv2D and block-diagonal
Conv2Ds, Keras its DepthwiseConv2D and Conv2D(groups), Keras.js 0.3.0 block-diagonal Conv2Ds.
Input H, W and C are distinct, H != W."""

import numpy as np
import onnx
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.compile import CompileOptions, compile_model
from irc.frontend.onnx_import import import_onnx
from irc.targets.kerasjs.legalize import legalize
from tests.browser.page_driver import drive, served
from tests.ir_check import run_ir
from tests.onnx_models import OnnxBuilder, batch_norm_params, run_ort
from tests.ops.op_case import close

C, H, W = 6, 9, 8
X = (1, C, H, W)


def depthwise(b, x, channels=C, multiplier=1, kernel=(3, 3), pads=(1, 1, 1, 1), bias=True, **attrs):
    w = b.weight(channels * multiplier, 1, *kernel)
    inputs = [x, w] + ([b.weight(channels * multiplier, scale=0.5)] if bias else [])
    return b.node("Conv", inputs, pads=list(pads), group=channels, **attrs)


def grouped(b, x, groups, out, channels=C, kernel=(3, 3), pads=(1, 1, 1, 1), **attrs):
    w = b.weight(out, channels // groups, *kernel)
    return b.node("Conv", [x, w, b.weight(out, scale=0.5)], pads=list(pads), group=groups, **attrs)


def relu6(b, x):
    return b.node("Clip", [x, b.const(np.array(0, np.float32)), b.const(np.array(6, np.float32))])


def bn(b, x, channels):
    return b.node("BatchNormalization", [x] + batch_norm_params(b, channels))


def graph(fn, shape=X):
    def make():
        b = OnnxBuilder(shape)
        return b, fn(b)
    return make


CASES = {
    "3x3": graph(lambda b: depthwise(b, "x")),
    "multiplier-2": graph(lambda b: depthwise(b, "x", multiplier=2)),
    "multiplier-3-stride-2": graph(lambda b: depthwise(b, "x", multiplier=3, strides=[2, 2])),
    "stride-2-valid": graph(lambda b: depthwise(b, "x", pads=(0, 0, 0, 0), strides=[2, 2])),
    "stride-2-asymmetric-pads": graph(lambda b: depthwise(b, "x", pads=(0, 0, 1, 1), strides=[2, 2])),
    "asymmetric-pads": graph(lambda b: depthwise(b, "x", kernel=(3, 2), pads=(1, 0, 2, 1))),
    "5x5-no-bias": graph(lambda b: depthwise(b, "x", kernel=(5, 5), pads=(2, 2, 2, 2), bias=False)),
    "dilated": graph(lambda b: depthwise(b, "x", pads=(2, 2, 2, 2), dilations=[2, 2])),
    "dilated-multiplier-2-stride-2": graph(lambda b: depthwise(b, "x", multiplier=2, pads=(2, 1, 2, 1),
                                                               dilations=[2, 1], strides=[2, 2])),
    "bn-relu6": graph(lambda b: relu6(b, bn(b, depthwise(b, "x", bias=False), C))),
    "multiplier-2-bn-relu": graph(lambda b: b.node("Relu", [bn(b, depthwise(b, "x", multiplier=2), 2 * C)])),
    "single-channel": graph(lambda b: depthwise(b, "x", channels=1, multiplier=4), (1, 1, H, W)),
    "1x1-multiplier-8": graph(lambda b: depthwise(b, "x", multiplier=8, kernel=(1, 1), pads=(0, 0, 0, 0))),
    # ---- grouped, more than one input channel per group ----
    "groups-3": graph(lambda b: grouped(b, "x", 3, 9)),
    "groups-2-stride-2-bn-relu": graph(lambda b: b.node("Relu", [bn(b, grouped(b, "x", 2, 4, strides=[2, 2]), 4)])),
    "groups-3-dilated-asymmetric-pads": graph(lambda b: grouped(b, "x", 3, 6, kernel=(3, 2), pads=(2, 0, 1, 2),
                                                                dilations=[2, 2])),
    "groups-2-1x1": graph(lambda b: grouped(b, "x", 2, 12, kernel=(1, 1), pads=(0, 0, 0, 0))),
}
# The inputs span [-4, 4] so that ReLU6 clips at both ends.
INPUT_RANGE = (-4.0, 4.0)


def compile_case(tmp_path, make, targets=("kerasjs",)):
    builder, output = make()
    model = builder.model([output])
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    x = builder.input(*INPUT_RANGE)
    out = tmp_path / "out"
    keras_model, _ = compile_model(path, out, CompileOptions(targets=list(targets), verify_each=True, probe=False))
    return model, output, x, out, keras_model


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    results = {}

    def get(case):
        if case not in results:
            model, output, x, out, keras_model = compile_case(tmp_path_factory.mktemp(case), CASES[case])
            expected = run_ort(model, {"x": x})[output]
            reference = run_ir(import_onnx(model), {"x": x})[output]
            got = {runtime: run_manifest(out, read_manifest(out), {"x": x}, runtime=runtime)[output]
                   for runtime in ("irc", "stock")}
            results[case] = expected, reference, got, keras_model
        return results[case]
    return get


@pytest.mark.parametrize("runtime", ["irc", "stock"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_onnxruntime_in_kerasjs(case, runtime, compiled):
    expected, reference, got, _ = compiled(case)
    assert close(reference, expected), "the IR's numpy reference differs from ONNX Runtime"
    assert close(got[runtime], expected), f"Keras.js ({runtime}) differs from ONNX Runtime"


@pytest.mark.parametrize("case, layers", [
    ("3x3", ["SeparableConv2D"]),
    # BN folded, relu fused; the Reshape copies the result that the fill of 6 and Minimum both read
    ("bn-relu6", ["SeparableConv2D", "Reshape", "BatchNormalization", "Minimum"]),
    ("multiplier-2-bn-relu", ["SeparableConv2D"]),
    ("asymmetric-pads", ["ZeroPadding2D", "SeparableConv2D"]),
])
def test_one_separable_layer_with_identity_pointwise(case, layers, compiled):
    keras_model = compiled(case)[3]
    assert [layer.class_name for layer in keras_model.layers].count("DepthwiseConv2D") == 1   # the lowered model
    legal = legalize(keras_model)
    assert [layer.class_name for layer in legal.layers[1:]] == layers
    depthwise_kernel, pointwise = _separable_kernels(legal)
    width = depthwise_kernel.shape[2] * depthwise_kernel.shape[3]
    assert pointwise.dtype == np.uint8 and pointwise.shape == (1, 1, width, width)
    np.testing.assert_array_equal(pointwise[0, 0], np.eye(width))


def _separable_kernels(model):
    separable = next(layer for layer in model.layers if layer.class_name == "SeparableConv2D")
    return [array for param, array in separable.weights if param != "bias"]


def test_grouped_pointwise_sums_each_group(compiled):
    """groups-3: 6 -> 9 channels, 2 inputs and 3 outputs a group: multiplier 3, and output o
    of group g sums depthwise results 3 * i + o % 3 of the group's inputs i."""
    keras_model = compiled("groups-3")[3]
    conv = keras_model.layers[1]
    assert (conv.class_name, conv.config["groups"], conv.weights[0][1].shape) == ("Conv2D", 3, (3, 3, 2, 9))
    depthwise_kernel, pointwise = _separable_kernels(legalize(keras_model))
    assert depthwise_kernel.shape == (3, 3, C, 3) and pointwise.dtype == np.uint8
    expected = np.zeros((C * 3, 9), np.uint8)
    for i in range(C):
        for m in range(3):
            expected[3 * i + m, i // 2 * 3 + m] = 1
    np.testing.assert_array_equal(pointwise[0, 0], expected)


@pytest.mark.parametrize("case", ["groups-2-1x1", "1x1-multiplier-8"])
def test_block_diagonal_where_it_is_smaller(case, compiled):
    """A 1x1 grouped kernel with many outputs a group: the block-diagonal Conv2D's floats take
    fewer bytes than the separable form's pointwise codes."""
    assert [layer.class_name for layer in legalize(compiled(case)[3]).layers[1:]] == ["Conv2D"]


def mobilenet_block(b, channels=32, expand=6):
    """MobileNet v2's inverted residual: 1x1 expand, BN, ReLU6, depthwise 3x3, BN, ReLU6,
    1x1 project, BN, + input."""
    wide = channels * expand
    x = relu6(b, bn(b, b.node("Conv", ["x", b.weight(wide, channels, 1, 1)]), wide))
    x = relu6(b, bn(b, depthwise(b, x, channels=wide, bias=False), wide))
    x = bn(b, b.node("Conv", [x, b.weight(channels, wide, 1, 1)]), channels)
    return b.node("Add", [x, "x"])


def test_mobilenet_block_model_bin_within_twice_its_parameters(tmp_path):
    model, output, x, out, _ = compile_case(tmp_path, graph(mobilenet_block, (1, 32, 10, 9)))
    parameter_bytes = sum(onnx.numpy_helper.to_array(init).nbytes for init in model.graph.initializer)
    assert (out / "model.bin").stat().st_size <= 2 * parameter_bytes
    expected = run_ort(model, {"x": x})[output]
    assert close(run_manifest(out, read_manifest(out), {"x": x})[output], expected)


@pytest.mark.parametrize("target", ["tfjs", "keras", "kerasjs-legacy"])
def test_other_targets_match_onnxruntime(target, tmp_path):
    """TF.js and Keras run their own DepthwiseConv2D (the dilated kernel written undilated: TF.js
    ignores dilation_rate); Keras its Conv2D(groups), TF.js and Keras.js 0.3.0 block-diagonal Conv2Ds."""
    def make():
        b = OnnxBuilder(X)
        conv = depthwise(b, "x", multiplier=2, pads=(2, 1, 2, 1), dilations=[2, 1])
        conv = grouped(b, b.node("Relu", [bn(b, conv, 2 * C)]), 3, 9, channels=2 * C)   # 0.3.0: no ReLU6 (Minimum)
        return b, b.node("Relu", [conv])
    model, output, x, out, _ = compile_case(tmp_path, make, targets=[target])
    expected = run_ort(model, {"x": x})[output]
    assert close(run_manifest(out, read_manifest(out), {"x": x}, target=target)[output], expected)


def test_webgl_mode_matches_onnxruntime(tmp_path):
    """Keras.js's WebGL path (stock keras-js code in irc's build too) runs the SeparableConv2D
    forms: depthwise with a multiplier, strided 5x5 depthwise, grouped; in headless Chromium."""
    def make():
        b = OnnxBuilder(X)
        x = b.node("Relu", [bn(b, depthwise(b, "x", multiplier=2), 2 * C)])
        x = depthwise(b, x, channels=2 * C, kernel=(5, 5), pads=(2, 2, 2, 2), strides=[2, 2], bias=False)
        return b, grouped(b, x, 3, 9, channels=2 * C)
    model, output, x, out, _ = compile_case(tmp_path, make)
    spec, result = read_manifest(out)["inputs"][0], read_manifest(out)["outputs"][0]
    with served(out) as url:
        [page] = drive(url, [{"query": "gpu=1", "predict": {spec["name"]: x.transpose(0, 2, 3, 1).ravel().tolist()}}],
                       tmp_path)
    if not page["ready"]["gpu"]:
        pytest.skip(f"no WebGL2 in this Chromium ({page['mode']}); GPU mode untested")
    assert (page["mode"], page["errors"]) == ("GPU: WebGL", [])
    got = np.array(page["outputs"][result["name"]], np.float32).reshape(result["shape"][1:]).transpose(2, 0, 1)
    assert close(got[None], run_ort(model, {"x": x})[output])
