"""Valid inputs the hostile cases start from, built once per session in one directory:
a small Chainer DCGAN generator npz, a small ONNX model and a PyTorch module + state dict."""

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx

from tests.chainer_models import save_random_generator
from tests.onnx_models import OnnxBuilder

TORCH_NET = """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, ch=4):
        super().__init__()
        self.conv = nn.Conv2d(3, ch, 3, padding=1)
        self.bn = nn.BatchNorm2d(ch)

    def forward(self, x):
        return self.bn(self.conv(x)).relu()
"""


@dataclass
class Fixtures:
    root: Path

    @property
    def gen_npz(self):
        return self.root / "gen.npz"

    @property
    def model_onnx(self):
        return self.root / "model.onnx"

    @property
    def torch_net(self):
        return self.root / "tnet.py"

    @property
    def torch_pt(self):
        return self.root / "tnet.pt"

    def npz_params(self):
        with np.load(self.gen_npz, allow_pickle=False) as npz:
            return dict(npz)

    def torch_state(self):
        import torch
        return torch.load(self.torch_pt, weights_only=True)


def build_fixtures(root):
    root.mkdir(parents=True, exist_ok=True)
    fx = Fixtures(root)
    save_random_generator(fx.gen_npz, 8)
    onnx.save(conv_relu_model(), str(fx.model_onnx))
    fx.torch_net.write_text(TORCH_NET)
    return fx


def build_torch_fixture(fx):
    """The state dict is built on demand: it costs a torch import."""
    if fx.torch_pt.exists():
        return
    import torch

    from irc.user_code import import_file
    net = import_file(fx.torch_net, "fixture", "hostile_fixture").Net()
    torch.save(net.state_dict(), fx.torch_pt)


def conv_relu_model(names=None, builder=None):
    """x [1,3,4,5] -> Conv -> Relu; `names` renames the nodes and tensors (hostile names)."""
    b = builder or OnnxBuilder((1, 3, 4, 5))
    conv = b.node("Conv", ["x", b.weight(2, 3, 3, 3), b.weight(2)], pads=[1, 1, 1, 1])
    out = b.node("Relu", [conv])
    model = b.model([out])
    for i, node in enumerate(model.graph.node):
        if names:
            node.name = names[i % len(names)]
    return model


def write_npz(path, params):
    np.savez(path, **params)
    return path


def rezip(src, dest, edit):
    """Copy a zip archive member by member; edit(name, bytes) -> bytes or None (drop it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
    return dest
