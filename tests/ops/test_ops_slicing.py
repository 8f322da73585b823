"""Per-op: Slice, Split and Gather with constant indices, compiled by irc and run in real
Keras.js under Node (irc's build and stock keras-js 1.0.3), against ONNX Runtime (and the IR's numpy reference against ONNX
Runtime on the imported graph). Slicing moves data only, so Keras.js must give ONNX
Runtime's numbers bit for bit. Input H, W and C are distinct, H != W. Refused cases fail
with one line naming the node and the op."""

from pathlib import Path

import numpy as np
import pytest
from onnx import helper

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.cli import main
from irc.targets.kerasjs.legalize import legalize
from tests.ops.op_case import X4, C, assert_refused, compile_and_run, graph, once_per_case

INT_MAX = np.iinfo(np.int64).max


def ints(b, *values):
    return b.const(np.array(values, np.int64))


def slice_(b, x, starts, ends, axes=None, steps=None):
    inputs = [x, ints(b, *starts), ints(b, *ends)]
    inputs += [ints(b, *axes)] if axes is not None else ([""] if steps is not None else [])
    inputs += [ints(b, *steps)] if steps is not None else []
    return b.node("Slice", inputs)


def split(b, x, parts, sizes=None, **attrs):
    """A Split node with `parts` outputs -> their names (sizes: the opset 13 input)."""
    b.count += 1
    outs = [f"split{b.count}_{i}" for i in range(parts)]
    inputs = [x] + ([ints(b, *sizes)] if sizes is not None else [])
    b.nodes.append(helper.make_node("Split", inputs, outs, name=f"Split_{b.count}", **attrs))
    return outs


def conv(b, x, c_in, c_out):
    """A 3x3 'same' convolution: the slices after it read a channels-last tensor."""
    w = b.weight(c_out, c_in, 3, 3)
    return b.node("Conv", [x, w, b.weight(c_out, scale=0.5)], pads=[1, 1, 1, 1])


def shuffle_unit(b):
    """ShuffleNet v2's stride-1 unit: split the channels in two, convolve one half, concat."""
    x = conv(b, "x", C, 6)
    keep, work = split(b, x, 2, axis=1)
    return b.node("Concat", [keep, b.node("Relu", [conv(b, work, 3, 3)])], axis=1)


CASES = {
    # ---- H and W: one Cropping2D ----
    "spatial-hw": graph(lambda b: slice_(b, "x", [1, 2], [6, 5], [2, 3])),
    "spatial-border-waifu2x": graph(lambda b: slice_(b, conv(b, "x", C, 4), [2, 2], [-2, -2], [2, 3])),
    "spatial-height-to-end": graph(lambda b: slice_(b, "x", [3], [INT_MAX], [2])),
    # ---- channels: Reshape -> Cropping2D -> Reshape of the channels-last tensor ----
    "channel-start": graph(lambda b: slice_(b, "x", [0], [2], [1])),
    "channel-middle": graph(lambda b: slice_(b, "x", [1], [4], [1])),
    "channel-end": graph(lambda b: slice_(b, "x", [3], [INT_MAX], [1])),
    "channel-after-conv": graph(lambda b: b.node("Relu", [slice_(b, conv(b, "x", C, 8), [2], [7], [1])])),
    "channel-of-source-layout": graph(lambda b: slice_(b, b.node("Reshape", ["x", ints(b, 1, 5, 6, 7)]),
                                                       [1], [3], [1])),
    # ---- clamping, negative indices, axes and steps omitted ----
    "negative-indices": graph(lambda b: slice_(b, "x", [-4, -5], [-1, INT_MAX], [1, -1])),
    "ends-past-the-end": graph(lambda b: slice_(b, "x", [2, 1], [100, 1000], [1, 2])),
    "starts-before-the-start": graph(lambda b: slice_(b, "x", [-100], [3], [3])),
    "axes-omitted": graph(lambda b: slice_(b, "x", [0, 1, 2, 0], [1, 4, 6, -1])),
    "steps-one": graph(lambda b: slice_(b, "x", [1, 1], [3, 5], [1, 3], steps=[1, 1])),
    "whole-tensor": graph(lambda b: b.node("Relu", [slice_(b, "x", [0], [INT_MAX], [1])])),
    # ---- other ranks ----
    "dense-features": graph(lambda b: slice_(b, b.node("Gemm", ["x", b.weight(9, 11)], transB=1), [2], [7], [1]),
                            (1, 11)),
    "flattened-features": graph(lambda b: slice_(b, b.node("Flatten", [conv(b, "x", C, 2)]), [10], [50], [1])),
    "rank-3-both-axes": graph(lambda b: slice_(b, "x", [1, 2], [3, 8], [1, 2]), (1, 4, 9)),
    "rank-5-depth": graph(lambda b: slice_(b, b.node("Reshape", ["x", ints(b, 1, 5, 7, 3, 2)]), [1], [3], [3])),
    # ---- Split: several slices ----
    "split-channels-equal-3": graph(lambda b: b.node("Concat", split(b, conv(b, "x", C, 6), 3, axis=1)[::-1],
                                                     axis=1)),
    "split-channels-unequal-3": graph(lambda b: b.node("Concat", split(b, "x", 3, [1, 3, 1], axis=1)[::-1], axis=1)),
    "split-width-2": graph(lambda b: b.node("Concat", split(b, "x", 2, axis=-1)[::-1], axis=3)),
    "split-two-branches-concat": graph(shuffle_unit),
    # ---- Gather with constant indices ----
    "gather-scalar-channel": graph(lambda b: b.node("Gather", ["x", b.const(np.array(2, np.int64))], axis=1)),
    "gather-scalar-negative-width": graph(lambda b: b.node("Gather", ["x", b.const(np.array(-1, np.int64))],
                                                           axis=3)),
    "gather-list-channels": graph(lambda b: b.node("Gather", ["x", ints(b, 3, 4, 0, 1, 1)], axis=1)),
}

OLDER_OPSETS = {           # name: (graph, opset) where the older form differs
    "slice-attrs-opset9": (graph(lambda b: b.node("Slice", ["x"], starts=[1, -3], ends=[4, INT_MAX], axes=[1, 3])), 9),
    "slice-attrs-no-axes-opset9": (graph(lambda b: b.node("Slice", ["x"], starts=[0, 2], ends=[1, 4])), 9),
    "split-attr-opset11": (graph(lambda b: b.node("Concat", split(b, "x", 3, axis=1, split=[2, 2, 1])[::-1],
                                                  axis=1)), 11),
    "split-equal-attr-opset11": (graph(lambda b: b.node("Concat", split(b, conv(b, "x", C, 4), 2, axis=1)[::-1],
                                                        axis=1)), 11),
    "split-num-outputs-opset18": (graph(lambda b: b.node("Concat", split(b, "x", 3, axis=2, num_outputs=3)[::-1],
                                                         axis=2)), 18),
}
ALL = {**{name: (make, 13) for name, make in CASES.items()}, **OLDER_OPSETS}


def run_case(tmp_path, case):
    make, opset = ALL[case]
    builder, output = make()
    return compile_and_run(tmp_path, builder, output, opset, runtimes=(None, "stock"))


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """case -> OpRun (ORT, IR reference, {runtime: Keras.js}, KerasModel), each case compiled and run
    once, in irc's build of Keras.js and in stock keras-js 1.0.3."""
    return once_per_case(tmp_path_factory, run_case)


ARITHMETIC = {"spatial-border-waifu2x", "channel-after-conv", "dense-features", "flattened-features",
              "split-channels-equal-3", "split-two-branches-concat", "split-equal-attr-opset11"}   # not only slices


@pytest.mark.parametrize("case", sorted(ALL))
def test_op_matches_onnxruntime_in_kerasjs(case, compiled):
    expected, reference, got, _ = compiled(case)
    results = [(reference, "the IR's numpy reference"), (got[None], "Keras.js"), (got["stock"], "stock Keras.js")]
    for result, who in results:
        assert result.shape == expected.shape, who
        if case in ARITHMETIC:
            assert np.abs(result - expected).max() <= 1e-5 * max(1.0, np.abs(expected).max()), who
        else:                   # data movement only: the very numbers
            np.testing.assert_array_equal(result, expected, f"{who} differs from ONNX Runtime")


@pytest.mark.parametrize("case, layers", [
    ("spatial-hw", ["Cropping2D"]),
    ("channel-middle", ["Reshape", "Cropping2D", "Reshape"]),
    ("channel-of-source-layout", ["Permute", "Reshape", "Cropping2D"]),   # C: axis 1 of the NCHW reshape
    ("negative-indices", ["Cropping2D", "Reshape", "Cropping2D", "Reshape"]),
    ("whole-tensor", ["Activation"]),
    ("dense-features", ["Dense", "Reshape", "Cropping2D", "Reshape"]),
    ("split-channels-unequal-3", ["Reshape", "Cropping2D", "Reshape"] * 3 + ["Concatenate"]),
])
def test_layers_chosen(case, layers, compiled):
    """The layers model.bin holds: only Cropping2D and Reshape, which every target has."""
    assert [layer.class_name for layer in legalize(compiled(case)[3]).layers[1:]] == layers


def bad_split(b):
    return b.node("Concat", split(b, "x", 2, [2, 2], axis=1), axis=1)


REFUSED = {   # name: (graph, input shape, words the one-line message must hold besides node and op)
    "step-2": (lambda b: slice_(b, "x", [0], [6], [3], steps=[2]), X4, "Slice_1 (Slice)", "step 2 on axis 3"),
    "negative-step": (lambda b: slice_(b, "x", [-1], [-INT_MAX], [2], steps=[-1]), X4, "Slice_1 (Slice)",
                      "step -1 on axis 2"),
    "batch-axis": (lambda b: slice_(b, "x", [0], [1], [0]), (2, 5, 7, 6), "Slice_1 (Slice)", "batch axis"),
    "empty": (lambda b: slice_(b, "x", [3], [-3], [1]), X4, "Slice_1 (Slice)", "is empty"),
    "split-not-summing": (bad_split, X4, "Split_1 (Split)", "does not cut an axis of size 5"),
    "split-unequal-without-sizes": (lambda b: split(b, "x", 2, axis=1)[0], X4, "Split_1 (Split)",
                                    "does not split into 2 equal parts"),
    "gather-indices-2d": (lambda b: b.node("Gather", ["x", b.const(np.zeros((2, 2), np.int64))], axis=1), X4,
                          "Gather_1 (Gather)", "indices of shape [2, 2]"),
    "gather-batch-axis": (lambda b: b.node("Gather", ["x", ints(b, 0)], axis=0), X4, "Gather_1 (Gather)",
                          "batch axis"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_with_one_line_naming_node_and_op(case, tmp_path):
    make, shape, where, why = REFUSED[case]
    builder, output = graph(make, shape)()
    assert_refused(tmp_path, builder, output, 13, where, why)


def test_chainer_split_axis_and_get_item_match_chainer(tmp_path):
    import chainer

    from irc.frontend.chainer_frontend import import_chainer, load_arch_class
    from tests.chainer_models import chainer_forward
    arch = f"{Path(__file__).resolve().parents[1] / 'chainer_archs.py'}:SplitAndCrop"
    import_chainer()
    np.random.seed(0)
    model = load_arch_class(arch)()
    chainer.serializers.save_npz(str(tmp_path / "model.npz"), model)
    x = np.random.RandomState(1).uniform(-1, 1, (1, 3, 12, 10)).astype(np.float32)
    assert main(["compile", str(tmp_path / "model.npz"), "--arch", arch, "--input-shape", "1,3,12,10",
                 "-o", str(tmp_path / "out")]) == 0
    manifest = read_manifest(tmp_path / "out")
    got = run_manifest(tmp_path / "out", manifest, {manifest["inputs"][0]["source_name"]: x}, runtime="stock")
    got, expected = got[manifest["outputs"][0]["source_name"]], chainer_forward(model, x)
    assert got.shape == expected.shape == (1, 6, 8, 9)
    assert np.abs(got - expected).max() <= 1e-5 * max(1.0, np.abs(expected).max())
