"""Graph outputs whose IR layout is a flattened group: the manifest's perm must describe
them, and a layout that is not a transpose of the source's is refused at compile time."""

import numpy as np
import onnx
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.compile import CompileOptions, compile_model
from irc.errors import IrcError
from irc.ir.graph import Value
from irc.lower.lower import _source_perm
from tests.onnx_models import OnnxBuilder, run_ort


@pytest.mark.parametrize("source", ["input", "conv"])
def test_flatten_as_graph_output(source, tmp_path):
    b = OnnxBuilder((1, 5, 7, 6))
    x = "x" if source == "input" else b.node("Conv", ["x", b.weight(4, 5, 3, 3)], pads=[1, 1, 1, 1])
    out = b.node("Flatten", [x], axis=1)
    model = b.model([out])
    onnx.save(model, str(tmp_path / "m.onnx"))
    x = b.input()

    compile_model(tmp_path / "m.onnx", tmp_path / "out", CompileOptions(probe=False, verify_each=True))
    manifest = read_manifest(tmp_path / "out")
    got = run_manifest(tmp_path / "out", manifest, {"x": x})[out]

    assert manifest["outputs"][0]["perm"] == [0, 1]
    np.testing.assert_allclose(got, run_ort(model, {"x": x})[out], atol=1e-5)


def test_flattened_layout_in_source_order_has_identity_perm():
    assert _source_perm(Value("y", (1, 168), "f32", "N(C4H7W6)")) == (0, 1)


def test_flattened_layout_in_another_order_is_refused():
    with pytest.raises(IrcError, match=r"tensor y is stored @N\(H7W6C4\), which is not a transpose"):
        _source_perm(Value("y", (1, 168), "f32", "N(H7W6C4)"))
