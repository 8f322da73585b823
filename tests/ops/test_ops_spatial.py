"""Spatial ops: pooling, global pooling, Pad, Upsample/Resize, Concat. Each case is a small
ONNX graph compiled by irc and run in real Keras.js under Node, against ONNX Runtime.
Inputs have distinct H, W, C (H != W) and mostly negative values (a zero pad would show in a
max). Cases with the same input shape and opset are compiled and run together (one Node start)."""

import numpy as np
import onnx
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.compile import CompileOptions, compile_model
from irc.errors import IrcError
from irc.frontend.onnx_import import import_onnx
from irc.ir.ops.pooling import pool_out_size
from irc.keras_semantics.pooling import plan_pool
from passes.pipeline import run_pipeline
from passes.registry import PASSES
from tests.onnx_models import OnnxBuilder, run_ort

X4 = (1, 5, 7, 6)          # N, C, H, W


def single(op_type, *extra_inputs, shape=X4, opset=13, **attrs):
    """`op_type(x, *extra_inputs)`; extra inputs are arrays (constants) or '' (omitted)."""
    b = OnnxBuilder(shape)
    inputs = ["x"] + [e if isinstance(e, str) else b.const(e) for e in extra_inputs]
    return b, [b.node(op_type, inputs, **attrs)], opset


def pool(op_type, shape=X4, opset=13, **attrs):
    return single(op_type, shape=shape, opset=opset, **attrs)


def floats(*values):
    return np.array(values, dtype=np.float32)


def ints(*values):
    return np.array(values, dtype=np.int64)


def resnet_head():
    """GlobalAveragePool -> Flatten -> Gemm: the 1x1 result flattens the same in any layout."""
    b = OnnxBuilder(X4)
    flat = b.node("Flatten", [b.node("GlobalAveragePool", ["x"])], axis=1)
    return b, [b.node("Gemm", [flat, b.weight(3, 5), b.weight(3)], transB=1)], 13


def concat_conv_and_input(axis):
    b = OnnxBuilder(X4)
    conv = b.node("Conv", ["x", b.weight(5, 5, 3, 3)], pads=[1, 1, 1, 1])
    return b, [b.node("Concat", [conv, "x", b.node("Relu", ["x"])], axis=axis)], 13


def concat_channels():
    b = OnnxBuilder(X4)
    conv = b.node("Conv", ["x", b.weight(4, 5, 3, 3)], pads=[1, 1, 1, 1])
    return b, [b.node("Concat", ["x", conv], axis=1)], 13


def concat_same_input_twice():
    b = OnnxBuilder(X4)
    return b, [b.node("Concat", ["x", "x"], axis=-1)], 13


def concat_2d():
    b = OnnxBuilder((1, 12))
    dense = b.node("Gemm", ["x", b.weight(7, 12), b.weight(7)], transB=1)
    return b, [b.node("Concat", [dense, "x"], axis=1)], 13


def concat_flattened_then_gemm():
    """Two flattened branches (C, H, W order) concatenated into a dense layer."""
    b = OnnxBuilder(X4)
    left = b.node("Flatten", [b.node("Conv", ["x", b.weight(2, 5, 3, 3)], pads=[1, 1, 1, 1])], axis=1)
    right = b.node("Flatten", [b.node("MaxPool", ["x"], kernel_shape=[2, 2], strides=[2, 2])], axis=1)
    joined = b.node("Concat", [left, right], axis=1)
    return b, [b.node("Gemm", [joined, b.weight(4, 2 * 7 * 6 + 5 * 3 * 3), b.weight(4)], transB=1)], 13


def concat_mixed_layouts():
    """A conv output (channels-last) and a reshape output (source layout) meet in a concat."""
    b = OnnxBuilder(X4)
    conv = b.node("Conv", ["x", b.weight(4, 5, 3, 3)], pads=[1, 1, 1, 1])
    dense = b.node("Gemm", [b.node("Flatten", ["x"], axis=1), b.weight(2 * 7 * 6, 5 * 7 * 6)], transB=1)
    image = b.node("Reshape", [dense, b.const(ints(1, 2, 7, 6))])
    return b, [b.node("Concat", [conv, image], axis=1)], 13


def pads_in_source_layout():
    """Pad is layout-free: after a reshape (source layout, NCHW) it pads channels-first."""
    b = OnnxBuilder((1, 10))
    image = b.node("Reshape", [b.node("Gemm", ["x", b.weight(60, 10)], transB=1), b.const(ints(1, 3, 4, 5))])
    edge = b.node("Pad", [image, b.const(ints(0, 0, 2, 1, 0, 0, 1, 0))], mode="edge")
    cropped = b.node("Pad", [edge, b.const(ints(0, 0, -1, 2, 0, 0, 1, -1))])
    return b, [b.node("Conv", [cropped, b.weight(2, 3, 3, 3)])], 13


def unet_block():
    """Pool, conv, upsample, concat with the skip: layouts through every spatial op."""
    b = OnnxBuilder((1, 3, 8, 6))
    down = b.node("MaxPool", ["x"], kernel_shape=[2, 2], strides=[2, 2])
    conv = b.node("Relu", [b.node("Conv", [down, b.weight(4, 3, 3, 3)], pads=[1, 1, 1, 1])])
    up = b.node("Resize", [conv, "", b.const(floats(1, 1, 2, 2))], mode="nearest",
                coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    padded = b.node("Pad", [up, b.const(ints(0, 0, 1, 0, 0, 0, 0, 2))])
    skip = b.node("Pad", ["x", b.const(ints(0, 0, 1, 0, 0, 0, 0, 2))])
    return b, [b.node("Concat", [skip, padded], axis=1)], 13


CASES = {
    # MaxPool: Keras 'same' fits, or copies of the edge cells (never zeros) in front of 'valid'
    "maxpool-k2s2": lambda: pool("MaxPool", kernel_shape=[2, 2], strides=[2, 2]),
    "maxpool-k3s1-p1": lambda: pool("MaxPool", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    "maxpool-k3s2-p1": lambda: pool("MaxPool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    "maxpool-k3s2-p1-even": lambda: pool("MaxPool", shape=(1, 3, 8, 10), kernel_shape=[3, 3], strides=[2, 2],
                                         pads=[1, 1, 1, 1]),
    "maxpool-asymmetric-pads": lambda: pool("MaxPool", kernel_shape=[3, 4], pads=[0, 3, 2, 1]),
    "maxpool-rect-kernel-strides": lambda: pool("MaxPool", kernel_shape=[3, 2], strides=[2, 1], pads=[1, 0, 0, 1]),
    "maxpool-ceil": lambda: pool("MaxPool", kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
    "maxpool-ceil-pads": lambda: pool("MaxPool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1),
    "maxpool-crop": lambda: pool("MaxPool", shape=(1, 3, 5, 8), kernel_shape=[4, 2], strides=[3, 2], pads=[1, 0, 0, 0]),
    "maxpool-auto-pad-same-upper": lambda: pool("MaxPool", kernel_shape=[3, 2], strides=[2, 2], auto_pad="SAME_UPPER"),
    "maxpool-auto-pad-same-lower": lambda: pool("MaxPool", kernel_shape=[3, 2], strides=[2, 2], auto_pad="SAME_LOWER"),
    "maxpool-opset7": lambda: pool("MaxPool", opset=7, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    "maxpool-opset10-ceil": lambda: pool("MaxPool", opset=10, kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
    # AveragePool: Keras 'same' excludes only its own padding; counted pads are explicit zeros
    "avgpool-k2s2": lambda: pool("AveragePool", kernel_shape=[2, 2], strides=[2, 2]),
    "avgpool-k3s1-p1-exclude-pad": lambda: pool("AveragePool", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    "avgpool-k3s1-p1-include-pad": lambda: pool("AveragePool", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                                                count_include_pad=1),
    "avgpool-asymmetric-include-pad": lambda: pool("AveragePool", kernel_shape=[3, 2], strides=[2, 1],
                                                   pads=[2, 0, 1, 1], count_include_pad=1),
    "avgpool-ceil-exclude-pad": lambda: pool("AveragePool", kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
    # pads left out of the count where Keras 'same' pads elsewhere: counted, then rescaled
    "avgpool-exclude-pads-before": lambda: pool("AveragePool", kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 0, 0]),
    "avgpool-exclude-1-row": lambda: pool("AveragePool", shape=(1, 2, 1, 6), kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    "avgpool-exclude-shufflenet": lambda: pool("AveragePool", shape=(1, 3, 8, 8), kernel_shape=[3, 3], strides=[2, 2],
                                               pads=[1, 1, 1, 1]),
    "avgpool-ceil-include-pad": lambda: pool("AveragePool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                             ceil_mode=1, count_include_pad=1, shape=(1, 5, 7, 9)),
    "avgpool-opset7-include-pad": lambda: pool("AveragePool", opset=7, kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                                               count_include_pad=1),
    "avgpool-opset10-ceil": lambda: pool("AveragePool", opset=10, kernel_shape=[3, 2], strides=[2, 2], ceil_mode=1),
    # global pooling: (N, C, 1, 1)
    "global-avgpool": lambda: single("GlobalAveragePool"),
    "global-maxpool": lambda: single("GlobalMaxPool"),
    "global-avgpool-flatten-gemm": resnet_head,
    # Pad: constant 0 -> ZeroPadding2D, negative -> Cropping2D, edge -> edge copies
    "pad-opset13": lambda: single("Pad", ints(0, 0, 1, 2, 0, 0, 3, 0)),
    "pad-opset13-zero-value": lambda: single("Pad", ints(0, 0, 2, 0, 0, 0, 0, 1), floats(0)),
    "pad-opset2-attrs": lambda: single("Pad", opset=2, pads=[0, 0, 0, 1, 0, 0, 2, 3], mode="constant"),
    "pad-opset11-negative": lambda: single("Pad", ints(0, 0, -1, 2, 0, 0, 1, -2), opset=11),
    "pad-opset18-axes": lambda: single("Pad", ints(1, 2, 0, 3), "", ints(2, 3), opset=18),
    "pad-in-source-layout": pads_in_source_layout,
    "pad-edge": lambda: single("Pad", ints(0, 0, 2, 1, 0, 0, 1, 3), mode="edge"),
    # Upsample / Resize nearest by integer factors -> UpSampling2D
    "upsample-opset7": lambda: single("Upsample", opset=7, scales=[1.0, 1.0, 2.0, 3.0], mode="nearest"),
    "upsample-opset9": lambda: single("Upsample", floats(1, 1, 3, 2), opset=9, mode="nearest"),
    "resize-opset10": lambda: single("Resize", floats(1, 1, 2, 2), opset=10, mode="nearest"),
    "resize-asymmetric-floor": lambda: single("Resize", "", floats(1, 1, 2, 3), mode="nearest",
                                              coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
    "resize-half-pixel-default": lambda: single("Resize", "", floats(1, 1, 3, 2), mode="nearest"),
    "resize-opset11-sizes": lambda: single("Resize", floats(), floats(), ints(1, 5, 14, 18), opset=11,
                                           mode="nearest", coordinate_transformation_mode="asymmetric",
                                           nearest_mode="floor"),
    "resize-align-corners-x2": lambda: single("Resize", "", floats(1, 1, 2, 2), mode="nearest",
                                              coordinate_transformation_mode="align_corners"),
    "resize-tf-half-pixel-floor": lambda: single("Resize", "", floats(1, 1, 2, 4), mode="nearest",
                                                 coordinate_transformation_mode="tf_half_pixel_for_nn",
                                                 nearest_mode="floor"),
    # Concat on every axis
    "concat-channels": concat_channels,
    "concat-height": lambda: concat_conv_and_input(2),
    "concat-width-negative-axis": lambda: concat_conv_and_input(-1),
    "concat-same-input-twice": concat_same_input_twice,
    "concat-2d": concat_2d,
    "concat-mixed-layouts": concat_mixed_layouts,
    "concat-flattened-gemm": concat_flattened_then_gemm,
    "unet-block": unet_block,
}


def compile_and_run(tmp_path, builder, outputs, opset, options=None):
    model = builder.model(outputs, opset=opset)
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    x = builder.input(-1.0, 0.25)        # mostly negative: a zero where -inf belongs shows in a max
    expected = run_ort(model, {"x": x})
    compile_model(path, tmp_path / "out", options or CompileOptions(verify_each=True, probe=False))
    got = run_manifest(tmp_path / "out", read_manifest(tmp_path / "out"), {"x": x})
    return expected, got


def assert_close(got, expected, name=""):
    assert got.shape == expected.shape, name
    assert np.abs(got - expected).max() <= 1e-5 * max(1.0, np.abs(expected).max()), name


def merged_case_graphs(names):
    """The cases' graphs side by side on one input (names prefixed per case): one compile
    and one Node start for all of them, each case keeping its own outputs."""
    merged, outputs, opset = None, {}, None
    for name in names:
        builder, case_outputs, opset = CASES[name]()
        merged = merged or OnnxBuilder(builder.input_shape)
        rename = {o: f"{name}/{o}" for n in builder.nodes for o in n.output if o}
        rename.update({init.name: f"{name}/{init.name}" for init in builder.inits})
        for node in builder.nodes:
            node.input[:] = [rename.get(i, i) for i in node.input]
            node.output[:] = [rename.get(o, o) for o in node.output]
            node.name = f"{name}/{node.name}"
            merged.nodes.append(node)
        for init in builder.inits:
            init.name = rename[init.name]
            merged.inits.append(init)
        outputs[name] = [rename[o] for o in case_outputs]
    return merged, outputs, opset


@pytest.fixture(scope="module")
def kerasjs_results(tmp_path_factory):
    """case -> (ONNX Runtime outputs, Keras.js outputs), compiled per (input shape, opset) group."""
    groups = {}
    for name in CASES:
        builder, _, opset = CASES[name]()
        groups.setdefault((builder.input_shape, opset), []).append(name)
    results = {}

    def get(case):
        if case not in results:
            names = next(group for group in groups.values() if case in group)
            builder, outputs, opset = merged_case_graphs(names)
            try:
                expected, got = compile_and_run(tmp_path_factory.mktemp("group"), builder,
                                                [o for name in names for o in outputs[name]], opset)
                results.update({name: [(o, expected[o], got[o]) for o in outputs[name]] for name in names})
            except IrcError as exc:
                results.update({name: exc for name in names})
        if isinstance(results[case], Exception):
            raise results[case]
        return results[case]
    return get


@pytest.mark.parametrize("case", sorted(CASES))
def test_op_matches_onnxruntime_in_kerasjs(case, kerasjs_results):
    for name, expected, got in kerasjs_results(case):
        assert_close(got, expected, name)


def test_a_case_alone_matches_too(tmp_path):
    """The grouping above shares the input between cases; one case compiled on its own."""
    builder, outputs, opset = CASES["maxpool-k3s2-p1-even"]()
    expected, got = compile_and_run(tmp_path, builder, outputs, opset)
    assert_close(got[outputs[0]], expected[outputs[0]])


def test_pooling_sweep_in_kerasjs(tmp_path):
    """Random kernels, strides, pads and modes on one input, one pooling node each: every
    one the planner accepts is exact in Keras.js (its simulation of Keras.js is right)."""
    rng = np.random.default_rng(7)
    b = OnnxBuilder((1, 3, 7, 5))
    outputs = []
    while len(outputs) < 80:
        k = [int(v) for v in rng.integers(1, 5, 2)]
        s = [int(v) for v in rng.integers(1, 4, 2)]
        pads = [int(rng.integers(0, k[i % 2])) for i in range(4)]
        ceil_mode = int(rng.integers(0, 2))
        op_type, include = [("MaxPool", None), ("AveragePool", 0), ("AveragePool", 1)][int(rng.integers(0, 3))]
        kind = "max" if include is None else ("avg_include" if include else "avg_exclude")
        if min(pool_out_size((7, 5)[i], k[i], s[i], pads[i], pads[i + 2], ceil_mode) for i in range(2)) < 1 or \
                plan_pool(kind, (7, 5), k, s, pads, ceil_mode)[0] is None:
            continue
        attrs = dict(kernel_shape=k, strides=s, pads=pads, ceil_mode=ceil_mode)
        if include is not None:
            attrs["count_include_pad"] = include
        outputs.append(b.node(op_type, ["x"], **attrs))
    expected, got = compile_and_run(tmp_path, b, outputs, 13, CompileOptions(probe=False))
    for name in outputs:
        assert_close(got[name], expected[name], name)


def test_max_pool_always_has_an_exact_plan():
    """Copies of the edge cells make every ONNX max pool (pads < kernel) expressible."""
    for n in range(1, 9):
        for k in range(1, 5):
            for s in range(1, 4):
                for begin in range(k):
                    for end in range(k):
                        for ceil_mode in (0, 1):
                            if pool_out_size(n, k, s, begin, end, ceil_mode) >= 1:
                                plan, _ = plan_pool("max", (n, 3), (k, 1), (s, 1), [begin, 0, end, 0], ceil_mode)
                                assert plan is not None, (n, k, s, begin, end, ceil_mode)


# ---- layouts ------------------------------------------------------------------------------
@pytest.mark.parametrize("onnx_axis, stored_axis", [(1, 3), (2, 1), (-1, 2)])
def test_concat_axis_follows_to_channels_last(onnx_axis, stored_axis):
    builder, outputs, opset = concat_conv_and_input(onnx_axis)
    graph = import_onnx(builder.model(outputs, opset=opset))
    PASSES["to-channels-last"](graph)
    concat = next(n for n in graph.nodes() if n.op == "concat")
    assert concat.attrs["axis"] == stored_axis
    assert graph.value(concat.outputs[0]).layout == "NHWC"


def test_global_pool_keeps_onnx_rank_in_keras():
    builder, outputs, opset = single("GlobalMaxPool")
    graph = import_onnx(builder.model(outputs, opset=opset))
    assert graph.value(outputs[0]).shape == (1, 5, 1, 1)


# ---- what is refused: one line naming the node and the ONNX op -----------------------------
REFUSED = {
    "maxpool-dilations": (lambda: pool("MaxPool", kernel_shape=[2, 2], dilations=[2, 2]), "dilations"),
    "maxpool-indices": (None, "Indices"),
    "maxpool-2d-kernel-on-3d-input": (lambda: pool("MaxPool", shape=(1, 2, 4, 5, 6), kernel_shape=[2, 2]),
                                      "does not fit"),      # 3D pools: tests/ops/test_ops_conv_nd.py
    "pad-value": (lambda: single("Pad", ints(0, 0, 1, 1, 0, 0, 1, 1), floats(1.5)), "constant value 1.5"),
    "pad-channels": (lambda: single("Pad", ints(0, 1, 0, 0, 0, 0, 0, 0)), "batch or channel"),
    "resize-linear-by-3": (lambda: single("Resize", "", floats(1, 1, 3, 3), mode="linear"), "mode=linear by [3, 3]"),
    "resize-fractional": (lambda: single("Resize", "", floats(1, 1, 1.5, 2), mode="nearest"), "not positive integers"),
    "resize-downsample": (lambda: single("Resize", "", floats(1, 1, 0.5, 0.5), mode="nearest"),
                          "not positive integers"),
    "resize-channels": (lambda: single("Resize", "", floats(1, 2, 2, 2), mode="nearest"), "batch or channel"),
    "resize-align-corners-x3": (lambda: single("Resize", "", floats(1, 1, 3, 3), mode="nearest",
                                            coordinate_transformation_mode="align_corners"), "does not repeat"),
    "resize-asymmetric-round": (lambda: single("Resize", "", floats(1, 1, 3, 3), mode="nearest",
                                               coordinate_transformation_mode="asymmetric"), "does not repeat"),
    "upsample-bilinear": (lambda: single("Upsample", floats(1, 1, 2, 2), opset=9, mode="linear"), "mode=linear"),
    "concat-batch": (lambda: single("Concat", "x", axis=0), "batch axis"),
    "concat-constant": (lambda: single("Concat", np.zeros(X4, np.float32), axis=1), "constant"),
}


# Imported as they are: the pool-padding pass finds no exact Keras pooling and refuses them.
UNPLANNABLE_POOLS = {
    "avgpool-exclude-ceil-overhang": (lambda: pool("AveragePool", kernel_shape=[3, 3], strides=[2, 2],
                                                   pads=[1, 1, 1, 1], ceil_mode=1), "then rescaling, does not fit"),
    "avgpool-include-ceil-overhang": (lambda: pool("AveragePool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                                   ceil_mode=1, count_include_pad=1), "Keras padding mode"),
}


def _maxpool_with_indices():
    b = OnnxBuilder(X4)
    b.nodes.append(onnx.helper.make_node("MaxPool", ["x"], ["y", "idx"], name="MaxPool_1", kernel_shape=[2, 2]))
    return b, ["y"], 13


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_with_one_line_naming_node_and_op(case):
    make, reason = REFUSED[case]
    builder, outputs, opset = make() if make else _maxpool_with_indices()
    node = builder.nodes[-1]
    with pytest.raises(IrcError) as info:
        import_onnx(builder.model(outputs, opset=opset))
    message = str(info.value)
    assert "\n" not in message
    assert f"node {node.name} ({node.op_type})" in message and reason in message, message


@pytest.mark.parametrize("case", sorted(UNPLANNABLE_POOLS))
def test_unplannable_pool_is_refused_by_pool_padding_naming_the_node(case):
    make, reason = UNPLANNABLE_POOLS[case]
    builder, outputs, opset = make()
    node = builder.nodes[-1]
    graph = import_onnx(builder.model(outputs, opset=opset))
    with pytest.raises(IrcError) as info:
        run_pipeline(graph)
    message = str(info.value)
    assert "\n" not in message
    assert f"from {node.op_type}:{node.name}" in message and "no exact Keras.js pooling for kernel" in message
    assert reason in message, message
