"""Chainer functions onnx_chainer cannot export by itself, exported by irc's converters
(irc/frontend/chainer_converters*.py) and run in Keras.js against Chainer; and the one-line
message naming the function and its link when a function cannot be exported at all."""

import textwrap

import numpy as np
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.cli import main
from tests.chainer_models import chainer_forward

# A convolution on each side, so the unpooling sees and gives several channels.
NET = textwrap.dedent("""
    import chainer
    import chainer.functions as F
    import chainer.links as L


    class Unpool(chainer.Chain):
        def __init__(self, unpooling):
            super().__init__()
            self.unpooling = unpooling
            with self.init_scope():
                self.c1 = L.Convolution2D(3, 4, 3, pad=1)
                self.c2 = L.Convolution2D(4, 2, 3, pad=1)

        def forward(self, x):
            return self.c2(F.relu(F.unpooling_2d(self.c1(x), **self.unpooling)))


    class Cumsum(chainer.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.c1 = L.Convolution2D(3, 4, 3, pad=1)

        def __call__(self, x):                 # __call__, not forward: no link hook runs
            return F.cumsum(self.c1(x), axis=1)


    class Outer(chainer.Chain):
        def __init__(self, mode):
            super().__init__()
            self.mode = mode
            with self.init_scope():
                self.block1 = Cumsum()
                self.c2 = L.Convolution2D(4, 4, 1)

        def forward(self, x):
            if self.mode == "symmetric":
                return F.pad(self.c2(self.block1.c1(x)), 1, mode="symmetric")
            return self.block1(x)
""")

H, W = 5, 6
UNPOOLINGS = {            # F.unpooling_2d's arguments; output size in the comment
    "sngan": {"ksize": 2, "outsize": (2 * H, 2 * W)},          # 10x12, SN-GAN's: a Resize
    "cover_all": {"ksize": 2},                                 # 9x11: Resize, then crop the end
    "uncovered": {"ksize": 2, "cover_all": False},             # 10x12
    "pad": {"ksize": 2, "pad": 1, "cover_all": False},         # 8x10: crop both ends
    "larger_outsize": {"ksize": 2, "outsize": (2 * H + 1, 2 * W + 1), "cover_all": False},  # zeros at the end
    "rectangular": {"ksize": (2, 3)},                          # stride (2, 3): 9x16
    "overlapping": {"ksize": 3, "stride": 2, "pad": 1, "cover_all": False},  # windows add up: ConvTranspose
    "gaps": {"ksize": 2, "stride": 3, "cover_all": False},     # zeros between windows: ConvTranspose
}


def write_model(tmp_path, cls, *args):
    import chainer

    from irc.frontend.chainer_frontend import import_chainer, load_arch_class
    import_chainer()
    (tmp_path / "net.py").write_text(NET)
    np.random.seed(0)                          # Chainer's initialisers draw from numpy's global RNG
    model = load_arch_class(f"{tmp_path / 'net.py'}:{cls}")(*args)
    for link in model.links():
        if getattr(link, "b", None) is not None:
            link.b.array[...] = np.random.RandomState(1).normal(0, 0.5, link.b.shape)
    chainer.serializers.save_npz(str(tmp_path / "model.npz"), model)
    return model


def compile_model(tmp_path, cls, arch_args=None, *flags):
    args = ["compile", str(tmp_path / "model.npz"), "--arch", f"{tmp_path / 'net.py'}:{cls}",
            "--input-shape", f"1,3,{H},{W}", "-o", str(tmp_path / "out"), *flags]
    if arch_args:
        args += ["--arch-args", arch_args]
    return main(args)


@pytest.mark.parametrize("case", list(UNPOOLINGS))
def test_unpooling_2d_in_kerasjs_matches_chainer(case, tmp_path):
    import json
    unpooling = UNPOOLINGS[case]
    model = write_model(tmp_path, "Unpool", unpooling)
    x = np.random.RandomState(2).uniform(-1, 1, (1, 3, H, W)).astype(np.float32)
    expected = chainer_forward(model, x)

    assert compile_model(tmp_path, "Unpool", json.dumps({"unpooling": unpooling}), "--no-probe") == 0
    manifest = read_manifest(tmp_path / "out")
    (got,) = run_manifest(tmp_path / "out", manifest, {manifest["inputs"][0]["source_name"]: x}).values()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-4 * max(1.0, np.abs(expected).max()))


@pytest.mark.parametrize("mode, message", [
    ("cumsum", "onnx_chainer cannot export F.cumsum (called in link /block1): "
               "onnx_chainer has no converter for Cumsum"),
    ("symmetric", "onnx_chainer cannot export F.pad (called in Outer, the model itself): "
                  "symmetric mode is not supported in ONNX's Pad operation"),
])
def test_a_function_onnx_chainer_cannot_export_is_named_with_its_link(mode, message, tmp_path, capsys):
    write_model(tmp_path, "Outer", mode)
    assert compile_model(tmp_path, "Outer", f'{{"mode": "{mode}"}}') == 2
    error = capsys.readouterr().err
    assert error == f"irc: error: {tmp_path / 'model.npz'}: {message}\n"
    assert not (tmp_path / "out").exists()
