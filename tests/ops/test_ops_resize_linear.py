"""Per-op: Resize mode=linear by 2 with half-pixel coordinates (PyTorch's bilinear upsampling,
align_corners=False), compiled by irc and run in Keras.js (irc's build and stock keras-js
1.0.3) against ONNX Runtime and the IR's numpy reference; PyTorch's nn.Upsample end to end
with both exporters; the other linear resizes refused in one line naming node and op."""

import numpy as np
import pytest

from tests.onnx_models import OnnxBuilder
from tests.ops.op_case import assert_refused, close, compile_and_run, once_per_case, torch_module_run

X4 = (1, 3, 7, 6)          # N, C, H, W: H != W, odd and even


def resize(shape=X4, scales=(1, 1, 2, 2), sizes=None, opset=13, **attrs):
    def make():
        b = OnnxBuilder(shape)
        conv = b.node("Conv", ["x", b.weight(4, shape[1], 3, 3), b.weight(4)], pads=[1, 1, 1, 1])
        roi = b.const(np.zeros(0, np.float32))
        given = [b.const(np.asarray(scales, np.float32))] if sizes is None else \
            [b.const(np.zeros(0, np.float32)), b.const(np.asarray(sizes, np.int64))]
        attrs.setdefault("mode", "linear")
        return b, b.node("Resize", [conv, roi, *given], **attrs), opset
    return make


CASES = {
    "half-pixel-2x2": resize(coordinate_transformation_mode="half_pixel"),
    "pytorch-half-pixel-2x2": resize(coordinate_transformation_mode="pytorch_half_pixel"),
    "default-coordinates": resize(),                                  # half_pixel is Resize-11's default
    "height-only": resize(scales=(1, 1, 2, 1)),
    "width-only": resize(scales=(1, 1, 1, 2)),
    "sizes": resize(sizes=(1, 4, 14, 12)),
    "one-row": resize(shape=(1, 3, 1, 5)),                            # both neighbours are the edge cell
    "opset-18-antialias-off": resize(opset=18, antialias=0),
}
STOCK = ["half-pixel-2x2", "one-row"]


def run_case(tmp_path, case):
    builder, output, opset = CASES[case]()
    return compile_and_run(tmp_path, builder, output, opset, runtimes=[None, "stock"] if case in STOCK else [None])


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return once_per_case(tmp_path_factory, run_case)


@pytest.mark.parametrize("case", sorted(CASES))
def test_linear_resize_matches_onnxruntime(case, compiled):
    expected, reference, got, _ = compiled(case)
    assert expected.std() > 0.05
    assert close(reference, expected), "the IR's numpy reference differs from ONNX Runtime"
    for runtime, result in got.items():
        assert close(result, expected), f"Keras.js ({runtime}) differs from ONNX Runtime"


REFUSED = {
    "align-corners": (resize(coordinate_transformation_mode="align_corners"), "align_corners"),
    "asymmetric": (resize(coordinate_transformation_mode="asymmetric"), "asymmetric"),
    "by-3": (resize(scales=(1, 1, 3, 3)), "only by 2"),
    "cubic": (resize(mode="cubic"), "mode=cubic"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_other_linear_resizes_are_refused(case, tmp_path):
    make, why = REFUSED[case]
    builder, output, opset = make()
    node = builder.nodes[-1]
    assert_refused(tmp_path, builder, output, opset, f"node {node.name} (Resize)", why)


TORCH_MODULE = '''
import torch.nn as nn

class UpBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.out = nn.Conv2d(4, 2, 3, padding=1)

    def forward(self, x):
        return self.out(self.up(self.conv(x)).relu())
'''


@pytest.mark.parametrize("exporter", ["torchscript", "dynamo"])
def test_torch_bilinear_upsample_matches_torch(exporter, tmp_path):
    pytest.importorskip("torch")
    got, expected = torch_module_run(tmp_path, TORCH_MODULE, "UpBlock", (1, 3, 9, 8), exporter)
    assert got.shape == expected.shape and expected.std() > 0.05
    assert close(got, expected)
