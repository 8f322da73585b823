"""examples/custom_pass/mish.py: an op irc does not know (ONNX Mish), taught by a plugin and
lowered to Keras.js layers; the result matches ONNX Runtime in Keras.js."""

from pathlib import Path

import numpy as np
import onnx

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.cli import main
from tests.onnx_models import OnnxBuilder, run_ort

PLUGIN = Path(__file__).resolve().parents[1] / "examples" / "custom_pass" / "mish.py"


def mish_net(path):
    b = OnnxBuilder((1, 4, 7, 6))
    h = b.node("Conv", ["x", b.weight(5, 4, 3, 3), b.weight(5)], pads=[1, 1, 1, 1])
    out = b.node("Conv", [b.node("Mish", [h]), b.weight(3, 5, 1, 1)])
    model = b.model([out], opset=18)
    onnx.save(model, str(path))
    return b, model, out


def test_without_the_plugin_mish_is_refused(tmp_path, capsys):
    mish_net(tmp_path / "m.onnx")
    assert main(["compile", str(tmp_path / "m.onnx"), "-o", str(tmp_path / "out")]) == 2
    assert "ONNX op Mish is not supported" in capsys.readouterr().err


def test_with_the_plugin_keras_js_matches_onnx_runtime(tmp_path, capsys):
    builder, model, out = mish_net(tmp_path / "m.onnx")
    assert main(["compile", str(tmp_path / "m.onnx"), "-o", str(tmp_path / "out"), "--passes", str(PLUGIN)]) == 0
    assert "vs ONNX Runtime" in capsys.readouterr().out
    x = builder.input(-3, 3)
    got = run_manifest(tmp_path / "out", read_manifest(tmp_path / "out"), {"x": x})[out]
    expected = run_ort(model, {"x": x})[out]
    assert np.abs(got - expected).max() <= 1e-5 * max(1.0, np.abs(expected).max())
    layers = (tmp_path / "out" / "report.md").read_text().split("## Layers")[1]
    assert "| Multiply |" in layers and layers.count("| Activation |") == 2
