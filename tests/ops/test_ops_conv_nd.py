"""1-D and 3-D convolutions and pools (Keras.js's Conv1D/3D, Max/AveragePooling1D/3D,
GlobalPooling1D/3D). Each case is a small ONNX graph compiled by irc and run in real Keras.js
under Node, against ONNX Runtime, and the IR's numpy reference (as imported, and after every
pass, channels-last) against it too. Cases on one input shape are compiled and run together.
Inputs have distinct sizes per axis and mostly negative values (a zero pad would show in a max)."""

import json

import numpy as np
import onnx
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.cli import main
from irc.compile import CompileOptions, compile_model
from irc.errors import IrcError
from irc.frontend.onnx_import import import_onnx
from irc.ir.ops.pooling import pool_out_size
from irc.keras_semantics.pooling import plan_max_pool_by_subsampling, plan_pool_axes
from passes.pipeline import run_pipeline
from tests.ir_check import run_ir
from tests.onnx_models import OnnxBuilder, run_ort

X1 = (1, 5, 13)              # N, C, W
X3 = (1, 3, 5, 6, 7)         # N, C, D, H, W


def net1d(b, x):
    """Conv -> Relu -> MaxPool -> Flatten -> Gemm: the dense rows follow the channels-last flatten."""
    conv = b.node("Relu", [b.node("Conv", [x, b.weight(6, 5, 3), b.weight(6)], strides=[2], pads=[1, 1])])
    pooled = b.node("MaxPool", [conv], kernel_shape=[2], strides=[2])
    return b.node("Gemm", [b.node("Flatten", [pooled], axis=1), b.weight(7, 6 * 3), b.weight(7)], transB=1)


def net3d(b, x):
    conv = b.node("Relu", [b.node("Conv", [x, b.weight(4, 3, 3, 3, 3), b.weight(4)], pads=[1] * 6)])
    pooled = b.node("AveragePool", [conv], kernel_shape=[2, 2, 2], strides=[2, 2, 2])
    return b.node("Gemm", [b.node("Flatten", [pooled], axis=1), b.weight(7, 4 * 2 * 3 * 3), b.weight(7)], transB=1)


def node(op_type, *weight_shapes, **attrs):
    return lambda b, x: b.node(op_type, [x, *(b.weight(*shape) for shape in weight_shapes)], **attrs)


# name: (input shape, case(builder, input) -> output)
CASES = {
    "conv1d-stride2-pads": (X1, node("Conv", (4, 5, 3), (4,), strides=[2], pads=[1, 1])),
    "conv1d-dilation2": (X1, node("Conv", (4, 5, 3), (4,), dilations=[2], pads=[2, 2])),
    "conv1d-valid-stride3": (X1, node("Conv", (3, 5, 4), strides=[3])),
    "conv1d-asymmetric-pads": (X1, node("Conv", (4, 5, 3), pads=[2, 1])),
    "conv1d-auto-pad-same-lower": (X1, node("Conv", (4, 5, 4), (4,), strides=[2], auto_pad="SAME_LOWER")),
    "conv1d-dilation2-stride2": (X1, node("Conv", (4, 5, 3), (4,), dilations=[2], strides=[2], pads=[1, 2])),
    "conv1d-depthwise": (X1, node("Conv", (10, 1, 3), (10,), group=5, pads=[1, 1])),
    # Keras.js's Conv1D misshapes a result with an axis of size 1: these run as a Conv2D
    "conv1d-one-filter": (X1, node("Conv", (1, 5, 3), (1,), pads=[2, 1])),
    "conv1d-one-output-step": (X1, node("Conv", (3, 5, 5), strides=[9], dilations=[1])),
    "maxpool1d-k3s2": (X1, node("MaxPool", kernel_shape=[3], strides=[2])),
    "maxpool1d-k3s1-p1": (X1, node("MaxPool", kernel_shape=[3], pads=[1, 1])),
    "maxpool1d-k3s2-p1-even": ((1, 5, 12), node("MaxPool", kernel_shape=[3], strides=[2], pads=[1, 1])),
    "maxpool1d-k5s3-p2-ceil": (X1, node("MaxPool", kernel_shape=[5], strides=[3], pads=[2, 2], ceil_mode=1)),
    "maxpool1d-ceil": (X1, node("MaxPool", kernel_shape=[2], strides=[2], ceil_mode=1)),
    "avgpool1d-k3s1-p1-exclude-pad": (X1, node("AveragePool", kernel_shape=[3], pads=[1, 1])),
    "avgpool1d-k3s2-p1-include-pad": (X1, node("AveragePool", kernel_shape=[3], strides=[2], pads=[1, 1],
                                               count_include_pad=1)),
    "avgpool1d-k4s3": (X1, node("AveragePool", kernel_shape=[4], strides=[3])),
    "global-avgpool1d": (X1, node("GlobalAveragePool")),
    "global-maxpool1d": (X1, node("GlobalMaxPool")),
    "reduce-mean-over-w": (X1, node("ReduceMean", axes=[-1], keepdims=0)),
    "net1d-flatten-gemm": (X1, net1d),
    "conv3d-strides-pads": (X3, node("Conv", (4, 3, 3, 2, 3), (4,), strides=[1, 2, 1], pads=[1, 0, 1, 1, 1, 0])),
    "conv3d-dilated-strided": (X3, node("Conv", (2, 3, 2, 2, 2), dilations=[2, 1, 3], strides=[1, 2, 2])),
    "conv3d-grouped": (X3, node("Conv", (6, 1, 2, 2, 2), group=3, strides=[2, 1, 2])),
    "conv3d-dilation": (X3, node("Conv", (2, 3, 2, 2, 3), dilations=[2, 1, 2], pads=[1, 1, 2, 1, 1, 2])),
    "maxpool3d": (X3, node("MaxPool", kernel_shape=[2, 2, 3], strides=[2, 2, 2])),
    "maxpool3d-k3s2-p1": (X3, node("MaxPool", kernel_shape=[3, 3, 3], strides=[2, 2, 2], pads=[1] * 6)),
    "maxpool3d-same": (X3, node("MaxPool", kernel_shape=[3, 3, 3], pads=[1, 1, 1, 1, 1, 1])),
    "avgpool3d-include-pad": (X3, node("AveragePool", kernel_shape=[3, 2, 2], strides=[2, 2, 2],
                                       pads=[1, 0, 1, 1, 1, 0], count_include_pad=1)),
    "global-avgpool3d": (X3, node("GlobalAveragePool")),
    "global-maxpool3d": (X3, node("GlobalMaxPool")),
    "reduce-max-over-dhw": (X3, node("ReduceMax", axes=[2, 3, 4])),
    "net3d-flatten-gemm": (X3, net3d),
}


def group_model(shape):
    """Every case on `shape`, side by side on one input -> (model, {case: output}, input)."""
    b = OnnxBuilder(shape)
    outputs = {name: make(b, "x") for name, (case_shape, make) in CASES.items() if case_shape == shape}
    return b.model(list(outputs.values()), opset=13), outputs, b.input(-1.0, 0.25)


def assert_close(got, expected, what):
    assert got.shape == expected.shape, what
    error = np.abs(got - expected).max()
    assert error <= 1e-4 * max(1.0, np.abs(expected).max()), f"{what}: max abs error {error}"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """case -> (ONNX Runtime, IR as imported, IR after the passes, Keras.js): one compile per shape."""
    table = {}
    for shape in dict.fromkeys(shape for shape, _ in CASES.values()):
        model, outputs, x = group_model(shape)
        tmp = tmp_path_factory.mktemp("group")
        onnx.save(model, str(tmp / "model.onnx"))
        expected = run_ort(model, {"x": x})
        imported = run_ir(import_onnx(model), {"x": x})
        graph = import_onnx(model)
        run_pipeline(graph, verify_each=True)
        lowered = run_ir(graph, {"x": x})
        compile_model(tmp / "model.onnx", tmp / "out", CompileOptions(verify_each=True, probe=False))
        got = run_manifest(tmp / "out", read_manifest(tmp / "out"), {"x": x})
        table.update({name: (expected[o], imported[o], lowered[o], got[o]) for name, o in outputs.items()})
    return table


@pytest.mark.parametrize("case", sorted(CASES))
def test_op_matches_onnxruntime_in_kerasjs(case, results):
    expected, imported, lowered, got = results[case]
    assert_close(imported, expected, "the IR's numpy reference (as imported)")
    assert_close(lowered, expected, "the IR's numpy reference after the passes")
    assert_close(got, expected, "Keras.js")


def test_layers_are_keras_1d_and_3d_ones(tmp_path):
    model, _, _ = group_model(X1)
    onnx.save(model, str(tmp_path / "model.onnx"))
    keras_model, _ = compile_model(tmp_path / "model.onnx", tmp_path / "out", CompileOptions(probe=False))
    classes = [layer.class_name for layer in keras_model.layers]
    assert {"Conv1D", "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D", "ZeroPadding1D"} <= set(classes)
    assert classes.count("Conv2D") == 2              # conv1d-one-filter and conv1d-one-output-step
    by_name = {layer.name: layer for layer in keras_model.layers}
    (flatten,) = [layer for layer in keras_model.layers if layer.class_name == "Flatten"]
    # the transpose back to NCW before net1d's Flatten is folded into the Gemm's rows
    assert by_name[flatten.inbound[0]].class_name == "MaxPooling1D"


def test_same_files_in_stock_kerasjs(tmp_path):
    """model.bin stays what keras-js's own 1.0.3 loads and computes the same with."""
    model, outputs, x = group_model(X3)
    onnx.save(model, str(tmp_path / "model.onnx"))
    compile_model(tmp_path / "model.onnx", tmp_path / "out", CompileOptions(probe=False))
    manifest = read_manifest(tmp_path / "out")
    irc_build = run_manifest(tmp_path / "out", manifest, {"x": x})
    stock = run_manifest(tmp_path / "out", manifest, {"x": x}, runtime="stock")
    for name, output in outputs.items():
        assert_close(stock[output], irc_build[output], name)


# Cases whose layers tfjs-layers 4.22 has (it has no ZeroPadding1D/3D, Cropping1D/3D, GlobalPooling3D).
TFJS_CASES = ["conv1d-stride2-pads", "conv1d-dilation2", "conv1d-depthwise", "conv1d-one-output-step",
              "maxpool1d-k3s2", "avgpool1d-k3s1-p1-exclude-pad", "global-maxpool1d", "net1d-flatten-gemm",
              "conv3d-grouped", "maxpool3d-same", "net3d-flatten-gemm"]


@pytest.mark.parametrize("shape", [X1, X3], ids=["1d", "3d"])
def test_tfjs_target_matches_onnxruntime(shape, tmp_path):
    b = OnnxBuilder(shape)
    outputs = {name: CASES[name][1](b, "x") for name in TFJS_CASES if CASES[name][0] == shape}
    model, x = b.model(list(outputs.values()), opset=13), b.input(-1.0, 0.25)
    onnx.save(model, str(tmp_path / "model.onnx"))
    expected = run_ort(model, {"x": x})
    compile_model(tmp_path / "model.onnx", tmp_path / "out", CompileOptions(probe=False, targets=["tfjs"]))
    got = run_manifest(tmp_path / "out", read_manifest(tmp_path / "out"), {"x": x}, target="tfjs")
    for name, output in outputs.items():
        assert_close(got[output], expected[output], name)


def test_tfjs_target_refuses_a_1d_zero_padding_in_one_line(tmp_path):
    b = OnnxBuilder(X1)
    model = b.model([CASES["conv1d-asymmetric-pads"][1](b, "x")], opset=13)
    onnx.save(model, str(tmp_path / "model.onnx"))
    with pytest.raises(IrcError, match="tfjs-layers 4.22 has no ZeroPadding1D layer"):
        compile_model(tmp_path / "model.onnx", tmp_path / "out", CompileOptions(probe=False, targets=["tfjs"]))


def chain(shape, *cases):
    """The cases one after the other (each reading the last's result) -> (model, output, input)."""
    b, output = OnnxBuilder(shape), "x"
    for make in cases:
        output = make(b, output)
    return b.model([output], opset=13), output, b.input(-1.0, 0.25)


KERAS_CHAINS = {   # one line of layers each: keras.Model orders the layers of a branching graph its own way
    "1d": lambda: chain(X1, node("Conv", (6, 5, 3), (6,), pads=[2, 1]), node("Conv", (1, 6, 3), pads=[1, 1]),
                        node("MaxPool", kernel_shape=[3], strides=[2], pads=[1, 1]),
                        node("AveragePool", kernel_shape=[3], pads=[1, 1], count_include_pad=1),
                        node("GlobalAveragePool")),
    "3d": lambda: chain(X3, node("Conv", (4, 3, 3, 2, 3), (4,), strides=[1, 2, 1], pads=[1, 0, 1, 1, 1, 0]),
                        node("MaxPool", kernel_shape=[3, 3, 3], strides=[2, 2, 2], pads=[1] * 6),
                        node("GlobalMaxPool")),
    "net3d": lambda: chain(X3, net3d),
}


@pytest.mark.parametrize("case", sorted(KERAS_CHAINS))
def test_keras_target_matches_onnxruntime(case, tmp_path):
    """Keras 3 has every 1-D and 3-D layer irc emits (the keras target)."""
    model, output, x = KERAS_CHAINS[case]()
    onnx.save(model, str(tmp_path / "model.onnx"))
    expected = run_ort(model, {"x": x})[output]
    compile_model(tmp_path / "model.onnx", tmp_path / "out", CompileOptions(probe=False, targets=["keras"]))
    assert_close(run_manifest(tmp_path / "out", read_manifest(tmp_path / "out"), {"x": x}, target="keras")[output],
                 expected, "Keras 3")


def _plannable(kind, sizes, kernel, strides, pads, ceil_mode):
    if min(pool_out_size(n, k, s, pads[i], pads[i + len(sizes)], ceil_mode)
           for i, (n, k, s) in enumerate(zip(sizes, kernel, strides))) < 1:
        return False
    return plan_pool_axes(kind, sizes, kernel, strides, pads, ceil_mode) is not None or (
        kind == "max" and plan_max_pool_by_subsampling(sizes, kernel, strides, pads, ceil_mode) is not None)


@pytest.mark.parametrize("shape, count", [((1, 3, 11), 60), ((1, 2, 5, 4, 6), 20)], ids=["1d", "3d"])
def test_pooling_sweep_in_kerasjs(shape, count, tmp_path):
    """Random kernels, strides, pads and modes on one input, one pooling node each: every one
    the planners accept is exact in Keras.js (their simulation of Keras.js is right)."""
    rng = np.random.default_rng(11)
    b, sizes, outputs = OnnxBuilder(shape), shape[2:], []
    while len(outputs) < count:
        k = [int(v) for v in rng.integers(1, 5, len(sizes))]
        s = [int(v) for v in rng.integers(1, 4, len(sizes))]
        pads = [int(rng.integers(0, k[i % len(sizes)])) for i in range(2 * len(sizes))]
        ceil_mode = int(rng.integers(0, 2))
        op_type, include = [("MaxPool", None), ("AveragePool", 0), ("AveragePool", 1)][int(rng.integers(0, 3))]
        kind = "max" if include is None else ("avg_include" if include else "avg_exclude")
        if not _plannable(kind, sizes, k, s, pads, ceil_mode):
            continue
        attrs = dict(kernel_shape=k, strides=s, pads=pads, ceil_mode=ceil_mode)
        if include is not None:
            attrs["count_include_pad"] = include
        outputs.append(b.node(op_type, ["x"], **attrs))
    model, x = b.model(outputs, opset=13), b.input(-1.0, 0.25)
    onnx.save(model, str(tmp_path / "model.onnx"))
    expected = run_ort(model, {"x": x})
    compile_model(tmp_path / "model.onnx", tmp_path / "out", CompileOptions(probe=False))
    got = run_manifest(tmp_path / "out", read_manifest(tmp_path / "out"), {"x": x})
    for name in outputs:
        assert_close(got[name], expected[name], name)


@pytest.mark.parametrize("shape", [X1, X3], ids=["1d", "3d"])
def test_page_in_chromium_gpu_and_cpu_mode(shape, tmp_path):
    """keras-js's WebGL paths of the 1-D and 3-D layers (and the CPU mode of the page, irc's
    build in Chromium) against ONNX Runtime, through the demo page (tests/browser)."""
    from tests.browser.page_driver import drive, served
    model, outputs, x = group_model(shape)
    onnx.save(model, str(tmp_path / "model.onnx"))
    expected = run_ort(model, {"x": x})
    compile_model(tmp_path / "model.onnx", tmp_path / "out", CompileOptions(probe=False))
    manifest = read_manifest(tmp_path / "out")
    (source_input,) = manifest["inputs"]
    feeds = {source_input["name"]: x.transpose(source_input["perm"])[0].ravel().tolist()}
    with served(tmp_path / "out") as url:
        gpu, cpu = drive(url, [{"query": f"gpu={gpu}&n=1", "predict": feeds} for gpu in (1, 0)], tmp_path)
    if not gpu["ready"]["gpu"]:
        pytest.skip(f"no WebGL2 in this Chromium ({gpu['mode']}); GPU mode untested")
    for result in (gpu, cpu):
        assert result["errors"] == [], result["mode"]
        for spec in manifest["outputs"]:
            reference = expected[spec["source_name"]].transpose(spec["perm"])[0]
            got = np.array(result["outputs"][spec["name"]], dtype=np.float32).reshape(reference.shape)
            assert_close(got, reference, f"{result['mode']}: {spec['source_name']}")


# ---- PyTorch: nn.Conv1d, BatchNorm1d, MaxPool1d, AvgPool1d, Linear through the torch front end ----
@pytest.mark.parametrize("exporter", ["torchscript", "dynamo"])
def test_torch_conv1d_model_matches_torch(exporter, tmp_path):
    torch = pytest.importorskip("torch")
    from irc.frontend.torch_frontend import load_class
    spec = f"{__file__.rsplit('/ops/', 1)[0]}/torch_models/signal1d.py:Signal1d"
    torch.manual_seed(0)
    model = load_class(spec)().eval()
    with torch.no_grad():
        bn = model.features[1]
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
    torch.save(model.state_dict(), tmp_path / "weights.pt")
    assert main(["compile", spec, "--weights", str(tmp_path / "weights.pt"), "--input-shape", "1,3,32",
                 "--exporter", exporter, "-o", str(tmp_path / "out"), "--arch-args", json.dumps({})]) == 0
    x = np.random.default_rng(3).uniform(-1, 1, (1, 3, 32)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    assert main(["run", str(tmp_path / "out"), "--input", str(tmp_path / "x.npy"),
                 "--output", str(tmp_path / "y.npy")]) == 0
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    assert expected.std() > 0.05
    assert_close(np.load(tmp_path / "y.npy"), expected, "Keras.js against torch")


# ---- what is refused: one line naming the node and the ONNX op -----------------------------
REFUSED = {
    "conv1d-group-mismatch": (X1, node("Conv", (4, 1, 3), group=5), "group=5 does not divide"),
    "convtranspose1d": (X1, node("ConvTranspose", (5, 2, 3)), "1D and 3D ConvTranspose"),
    "maxpool1d-dilations": (X1, node("MaxPool", kernel_shape=[2], dilations=[2]), "dilations"),
    "conv1d-kernel-longer-than-input": ((1, 2, 3), node("Conv", (4, 2, 5)), "does not fit the input's [3]"),
    "maxpool1d-kernel-longer-than-input": ((1, 2, 3), node("MaxPool", kernel_shape=[5]), "gives no output"),
    "conv3d-kernel-rank": (X3, node("Conv", (2, 3, 3, 3)), "does not fit"),
    # ONNX's windows here need copies of the edge cell in front, which 1D/3D pools do not get
    "maxpool3d-k2s2-p1": (X3, node("MaxPool", kernel_shape=[2, 2, 2], strides=[2, 2, 2], pads=[1] * 6),
                          "no exact Keras.js pooling"),
    "avgpool1d-exclude-pads-before": (X1, node("AveragePool", kernel_shape=[2], strides=[2], pads=[1, 0]),
                                      "no exact Keras.js pooling"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_with_one_line_naming_node_and_op(case, tmp_path):
    shape, make, reason = REFUSED[case]
    b = OnnxBuilder(shape)
    model = b.model([make(b, "x")], opset=13)
    onnx.save(model, str(tmp_path / "model.onnx"))
    with pytest.raises(IrcError) as info:
        compile_model(tmp_path / "model.onnx", tmp_path / "out", CompileOptions(probe=False))
    message = str(info.value)
    assert "\n" not in message and reason in message, message
    node_ = b.nodes[-1]
    assert node_.name in message or "Keras.js: layer" in message, message
