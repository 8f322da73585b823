"""Per-op: Pad mode=reflect, Expand, Tile, Max/Min/Mean with constant operands, compiled by irc
and run in real Keras.js under Node (irc's build, and stock keras-js 1.0.3 for each new
lowering), against ONNX Runtime (and the IR's numpy reference against ONNX Runtime on the
imported graph); PyTorch's ReflectionPad2d and Chainer's F.broadcast_to / F.tile end to end;
and the ops refused with their reason (LayerNormalization, InstanceNormalization, Gelu, Erf)
in one line naming the node and the op. Input H, W and C are distinct, H != W."""

import json

import numpy as np
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.cli import main
from irc.targets.kerasjs.legalize import legalize
from tests.ops.op_case import (
    X4,
    C,
    H,
    W,
    assert_refused,
    close,
    compile_and_run,
    graph,
    once_per_case,
    torch_module_run,
)


def ints(*values):
    return np.array(values, np.int64)


def pad(b, x, pads, opset=13, **attrs):
    if opset < 11:
        return b.node("Pad", [x], pads=list(pads), **attrs)
    return b.node("Pad", [x, b.const(ints(*pads))], **attrs)


def conv(b, x, out, kernel=(3, 3), pads=(1, 1, 1, 1), channels=C):
    return b.node("Conv", [x, b.weight(out, channels, *kernel), b.weight(out, scale=0.5)], pads=list(pads))


def style_block(b):
    """A style-transfer / CycleGAN generator step: ReflectionPad2d(1), conv 3x3 valid, relu,
    ReflectionPad2d(3), conv 7x7 valid (channels-last in Keras.js)."""
    h = b.node("Relu", [conv(b, pad(b, "x", [0, 0, 1, 1, 0, 0, 1, 1], mode="reflect"), 4, pads=(0, 0, 0, 0))])
    return conv(b, pad(b, h, [0, 0, 3, 3, 0, 0, 3, 3], mode="reflect"), 3, (7, 7), (0, 0, 0, 0), channels=4)


def reflect_after_reshape(b):
    """After a Reshape the tensor is in the source layout (NCHW): reflect pads channels-first."""
    image = b.node("Reshape", [b.node("Relu", ["x"]), b.const(ints(1, C, H, W))])
    return pad(b, image, [0, 0, 2, 1, 0, 0, 1, 3], mode="reflect")


def gate(b):
    """sigmoid(fc(global average pool(x))) of shape [1, C, 1, 1]: a squeeze-and-excitation gate."""
    return b.node("Sigmoid", [conv(b, b.node("GlobalAveragePool", ["x"]), C, (1, 1), (0, 0, 0, 0))])


def scalar(b, value):
    return b.const(np.array(value, np.float32))


CASES = {
    # ---- Pad mode=reflect: Cropping2D of single rows / columns, Concatenate ----
    "pad-reflect-1": graph(lambda b: pad(b, "x", [0, 0, 1, 1, 0, 0, 1, 1], mode="reflect")),
    "pad-reflect-asymmetric": graph(lambda b: pad(b, "x", [0, 0, 3, 1, 0, 0, 2, 3], mode="reflect")),
    "pad-reflect-height-only": graph(lambda b: pad(b, "x", [0, 0, 2, 0, 0, 0, 1, 0], mode="reflect")),
    "pad-reflect-largest": graph(lambda b: pad(b, "x", [0, 0, H - 1, W - 1, 0, 0, H - 1, W - 1], mode="reflect")),
    "pad-reflect-opset2-attrs": graph(lambda b: pad(b, "x", [0, 0, 2, 1, 0, 0, 1, 2], opset=2, mode="reflect")),
    "pad-reflect-style-block": graph(style_block),
    "pad-reflect-source-layout": graph(reflect_after_reshape, (1, C * H * W)),
    # ---- Expand: broadcast a [1, C, 1, 1] gate (squeeze-and-excitation), rows, ranks ----
    "expand-squeeze-excite": graph(lambda b: b.node("Mul", ["x", b.node("Expand", [gate(b), b.const(ints(*X4))])])),
    "expand-shorter-shape": graph(lambda b: b.node("Add", ["x", b.node("Expand", [gate(b), b.const(ints(H, W))])])),
    "expand-row": graph(lambda b: b.node("Expand", [conv(b, "x", C, (H, 1), (0, 0, 0, 0)), b.const(ints(1, 1, H, W))])),
    "expand-raise-rank": graph(lambda b: b.node("Expand", [b.node("Relu", ["x"]), b.const(ints(1, 4, 11))]), (1, 11)),
    "expand-to-same-shape": graph(lambda b: b.node("Expand", [b.node("Relu", ["x"]), b.const(ints(1, 1))])),
    # ---- Tile: size-1 axes broadcast, longer axes as a Concatenate of copies ----
    "tile-squeeze-excite": graph(lambda b: b.node("Mul", ["x", b.node("Tile", [gate(b), b.const(ints(1, 1, H, W))])])),
    "tile-copies": graph(lambda b: b.node("Tile", [b.node("Relu", ["x"]), b.const(ints(1, 2, 1, 3))])),
    "tile-copies-and-broadcast": graph(lambda b: b.node("Tile", [conv(b, "x", C, (H, 1), (0, 0, 0, 0)),
                                                                 b.const(ints(1, 1, 3, 2))])),
    "tile-2d": graph(lambda b: b.node("Tile", [b.node("Relu", ["x"]), b.const(ints(1, 3))]), (1, 11)),
    # ---- Max / Min / Mean with constant operands: fills x * 0 + c, Maximum / Minimum / Average ----
    "max-with-constant": graph(lambda b: b.node("Max", ["x", scalar(b, 0.5)])),
    "min-with-zero": graph(lambda b: b.node("Min", ["x", scalar(b, 0.0)])),
    "max-per-channel-constant": graph(lambda b: b.node("Max", ["x", b.weight(C, 1, 1)])),
    "min-full-constant": graph(lambda b: b.node("Min", [b.weight(1, C, H, W), "x"])),
    "max-3-with-constant": graph(lambda b: b.node("Max", ["x", b.node("Neg", ["x"]), scalar(b, 0.25)])),
    "min-constant-wider-than-input": graph(lambda b: b.node("Min", [gate(b), b.weight(C, H, W)])),
    "min-after-max-2d": graph(lambda b: b.node("Min", [b.node("Max", ["x", scalar(b, -0.5)]), b.weight(11)]), (1, 11)),
    "mean-with-constant": graph(lambda b: b.node("Mean", ["x", b.weight(C, 1, 1)])),
    "mean-constant-first": graph(lambda b: b.node("Mean", [scalar(b, 0.3), "x", b.node("Tanh", ["x"])])),
}
OPSETS = {"pad-reflect-opset2-attrs": 2}
# Pure data movement, fills, Maximum/Minimum (no convolution): Keras.js gives ONNX Runtime's bits.
BIT_EXACT = ["pad-reflect-1", "pad-reflect-asymmetric", "pad-reflect-height-only", "pad-reflect-largest",
             "pad-reflect-opset2-attrs", "pad-reflect-source-layout", "expand-raise-rank", "expand-to-same-shape",
             "tile-copies", "tile-2d", "max-with-constant", "min-with-zero", "max-per-channel-constant",
             "min-full-constant", "max-3-with-constant", "min-after-max-2d"]
# The new lowerings, also run in stock keras-js 1.0.3 (model.bin must stay loadable by it).
STOCK = ["pad-reflect-asymmetric", "pad-reflect-source-layout", "expand-squeeze-excite", "tile-copies-and-broadcast",
         "min-full-constant", "mean-with-constant"]


def run_case(tmp_path, case):
    builder, output = CASES[case]()
    return compile_and_run(tmp_path, builder, output, OPSETS.get(case, 13),
                           runtimes=["irc", "stock"] if case in STOCK else ["irc"])


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """case -> OpRun (ORT, IR reference, {runtime: Keras.js}, KerasModel), each case compiled and run once."""
    return once_per_case(tmp_path_factory, run_case)


@pytest.mark.parametrize("case", sorted(CASES))
def test_op_matches_onnxruntime_in_kerasjs(case, compiled):
    expected, reference, got, _ = compiled(case)
    assert expected.std() > 0.05                 # a constant output would hide a wrong mapping
    assert close(reference, expected), "the IR's numpy reference differs from ONNX Runtime"
    for runtime, result in got.items():
        assert close(result, expected), f"Keras.js ({runtime}) differs from ONNX Runtime"


@pytest.mark.parametrize("case", BIT_EXACT)
def test_exact_lowerings_match_bit_for_bit(case, compiled):
    expected, _, got, _ = compiled(case)
    for result in got.values():
        np.testing.assert_array_equal(result, expected)


ROWS_AROUND = ["Permute"] * 3 + ["Concatenate", "Permute"]    # Keras.js's WebGL concatenates on the last axis only


@pytest.mark.parametrize("case, layers", [
    ("pad-reflect-1", ["Cropping2D", "Cropping2D"] + ROWS_AROUND + ["Cropping2D", "Cropping2D"] + ROWS_AROUND),
    ("expand-squeeze-excite", ["GlobalAveragePooling2D", "Reshape", "Conv2D", "Reshape", "RepeatVector", "Reshape",
                               "Multiply"]),
    ("tile-squeeze-excite", ["GlobalAveragePooling2D", "Reshape", "Conv2D", "Reshape", "RepeatVector", "Reshape",
                             "Multiply"]),
    ("tile-copies", ["Activation", "Concatenate"] + ROWS_AROUND),       # C (last) twice, then W three times
    ("max-with-constant", ["Reshape", "BatchNormalization", "Maximum"]),
])
def test_layers_chosen(case, layers, compiled):
    """The layers model.bin holds (Keras.js's copies in front of in-place layers included)."""
    assert [layer.class_name for layer in legalize(compiled(case)[3]).layers[1:]] == layers


REFUSED = {   # name: (graph, opset, words the one-line message must hold besides node and op)
    "pad-reflect-as-large-as-input": (graph(lambda b: pad(b, "x", [0, 0, H, 0, 0, 0, 0, 0], mode="reflect")), 13,
                                      "must be smaller than the [7, 6] input"),
    "pad-reflect-negative": (graph(lambda b: pad(b, "x", [0, 0, -1, 1, 0, 0, 1, 1], mode="reflect")), 13,
                             "negative pads"),
    "pad-wrap": (graph(lambda b: pad(b, "x", [0, 0, 1, 1, 0, 0, 1, 1], mode="wrap")), 19, "mode=wrap"),
    "expand-not-broadcastable": (graph(lambda b: b.node("Expand", ["x", b.const(ints(1, C, 2, W))])), 13,
                                 "do not broadcast"),
    "expand-batch": (graph(lambda b: b.node("Expand", ["x", b.const(ints(2, C, H, W))])), 13, "batch axis"),
    "expand-computed-shape": (graph(lambda b: b.node("Expand", ["x", b.node("Relu", ["x"])])), 13,
                              "must be a constant"),
    "tile-batch": (graph(lambda b: b.node("Tile", ["x", b.const(ints(2, 1, 1, 1))])), 13, "batch axis"),
    "tile-zero": (graph(lambda b: b.node("Tile", ["x", b.const(ints(1, 0, 1, 1))])), 13, "positive count"),
    "layer-normalization": (graph(lambda b: b.node("LayerNormalization", ["x", b.weight(W), b.weight(W)], axis=-1)),
                            17, "no square root or division by a computed tensor"),
    "instance-normalization": (graph(lambda b: b.node("InstanceNormalization", ["x", b.weight(C), b.weight(C)])), 13,
                               "no square root or division by a computed tensor"),
    "gelu": (graph(lambda b: b.node("Gelu", ["x"])), 20, "no gelu activation"),
    "lrn": (graph(lambda b: b.node("LRN", ["x"], size=3)), 13, "no power or division by a computed tensor"),
    "erf": (graph(lambda b: b.node("Erf", ["x"])), 13, "no erf activation"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_with_one_line_naming_node_and_op(case, tmp_path):
    make, opset, why = REFUSED[case]
    builder, output = make()
    node = builder.nodes[-1]
    assert_refused(tmp_path, builder, output, opset, f"node {node.name} ({node.op_type})", why)


# ---- source frameworks, end to end ----------------------------------------------------------
TORCH_MODULE = '''
import torch
from torch import nn


class ReflectBlock(nn.Module):
    """ReflectionPad2d(3) + 7x7 conv as in CycleGAN's ResNet generator, then an asymmetric pad."""
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(3, 4, 7), nn.ReLU(),
                                  nn.ReflectionPad2d((1, 2, 0, 1)), nn.Conv2d(4, 3, 3))

    def forward(self, x):
        return self.body(x)
'''

LAYER_NORM_MODULE = '''
import torch
from torch import nn


class ConvNeXtStem(nn.Module):
    """torchvision's ConvNeXt stem: a 4x4 stride-4 conv, then LayerNorm2d (a LayerNorm over the
    channels, between Permutes), then a block's GELU."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 4, stride=4)
        self.norm = nn.LayerNorm(8)

    def forward(self, x):
        h = self.norm(self.conv(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return nn.functional.gelu(h)
'''

CHAINER_MODULE = '''
import chainer
import chainer.functions as F
import chainer.links as L


class SqueezeExcite(chainer.Chain):
    """h * broadcast_to(gate) + tile(gate): F.broadcast_to exports as Expand, F.tile as Tile."""
    def __init__(self, ch=6):
        super().__init__()
        with self.init_scope():
            self.conv = L.Convolution2D(3, ch, 3, pad=1)
            self.fc1 = L.Linear(ch, 3)
            self.fc2 = L.Linear(3, ch)

    def forward(self, x):
        h = F.relu(self.conv(x))
        s = F.sigmoid(self.fc2(F.relu(self.fc1(F.average(h, axis=(2, 3))))))
        s = F.reshape(s, s.shape + (1, 1))
        return h * F.broadcast_to(s, h.shape) + F.tile(s, (1, 1) + h.shape[2:])
'''


def run_compiled(out, x):
    manifest = read_manifest(out)
    got = run_manifest(out, manifest, {manifest["inputs"][0]["source_name"]: x})
    return got[manifest["outputs"][0]["source_name"]]


@pytest.mark.parametrize("exporter", ["torchscript", "dynamo"])
def test_torch_reflection_pad_matches_torch(exporter, tmp_path):
    pytest.importorskip("torch")
    got, expected = torch_module_run(tmp_path, TORCH_MODULE, "ReflectBlock", (1, 3, 10, 9), exporter)
    assert "Pad" in json.dumps(read_manifest(tmp_path / "out"))     # the layers came from ONNX Pad nodes
    assert got.shape == expected.shape and expected.std() > 0.05
    assert close(got, expected)


def test_chainer_broadcast_to_and_tile_match_chainer(tmp_path):
    chainer = pytest.importorskip("chainer")
    (tmp_path / "net.py").write_text(CHAINER_MODULE)
    from irc.frontend.chainer_frontend import import_chainer, load_arch_class
    from tests.chainer_models import chainer_forward
    import_chainer()
    np.random.seed(0)                     # Chainer's initialisers draw from numpy's global RNG
    model = load_arch_class(f"{tmp_path}/net.py:SqueezeExcite")()
    chainer.serializers.save_npz(str(tmp_path / "se.npz"), model)
    shape = (1, 3, 9, 7)
    assert main(["compile", str(tmp_path / "se.npz"), "--arch", f"{tmp_path}/net.py:SqueezeExcite", "--no-probe",
                 "--input-shape", ",".join(map(str, shape)), "-o", str(tmp_path / "out")]) == 0
    origins = json.dumps(read_manifest(tmp_path / "out"))
    assert "Expand" in origins and "Tile" in origins
    x = np.random.RandomState(3).uniform(-1, 1, shape).astype(np.float32)
    expected = chainer_forward(model, x)
    got = run_compiled(tmp_path / "out", x)
    assert got.shape == expected.shape and expected.std() > 0.05
    assert np.abs(got - expected).max() <= 1e-5 * max(1.0, np.abs(expected).max())


def test_torch_layer_norm_is_refused_naming_the_node_and_why(tmp_path, capsys):
    """ConvNeXt (torchvision's convnext_tiny included) stops at its first LayerNorm."""
    pytest.importorskip("torch")
    (tmp_path / "net.py").write_text(LAYER_NORM_MODULE)
    code = main(["compile", f"{tmp_path}/net.py:ConvNeXtStem", "--input-shape", "1,3,16,12", "-o", str(tmp_path / "out")])
    message = capsys.readouterr().err.strip()
    assert code == 2 and len(message.splitlines()) == 1, message
    assert "LayerNormalization (LayerNormalization): LayerNormalization has no exact Keras.js layer" in message
    assert "no square root or division by a computed tensor" in message
