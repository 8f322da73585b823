"""Shared by the per-op test files: one ONNX graph compiled by irc and run in Keras.js (and in
the IR's numpy reference) against ONNX Runtime, once per case and module; and the one-line
refusal a graph irc cannot compile must get."""

from typing import NamedTuple

import numpy as np
import onnx
import pytest

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.compile import CompileOptions, compile_model
from irc.errors import IrcError
from irc.frontend.onnx_import import import_onnx
from tests.ir_check import run_ir
from tests.onnx_models import OnnxBuilder, run_ort

X4 = (1, 5, 7, 6)          # N, C, H, W: distinct, H != W
C, H, W = X4[1:]


def graph(fn, shape=X4):
    """-> make(): a builder for `shape` and fn(builder), the output (for the CASES tables)."""
    def make():
        b = OnnxBuilder(shape)
        return b, fn(b)
    return make


class OpRun(NamedTuple):
    expected: np.ndarray       # ONNX Runtime
    reference: np.ndarray      # the IR's numpy interpreter on the imported graph
    got: dict                  # {runtime (None: irc's build, "stock"): Keras.js's output}
    keras_model: object        # the lowered KerasModel


def compile_and_run(tmp_path, builder, output, opset, x=None, runtimes=(None,)):
    model = builder.model([output], opset=opset)
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    x = builder.input() if x is None else x
    expected = run_ort(model, {"x": x})[output]
    reference = run_ir(import_onnx(model), {"x": x})[output]
    keras_model, _ = compile_model(path, tmp_path / "out", CompileOptions(verify_each=True, probe=False))
    manifest = read_manifest(tmp_path / "out")
    got = {runtime: run_manifest(tmp_path / "out", manifest, {"x": x}, runtime=runtime)[output]
           for runtime in runtimes}
    return OpRun(expected, reference, got, keras_model)


def close(got, expected):
    assert got.shape == expected.shape
    return np.abs(got - expected).max() <= 1e-5 * max(1.0, np.abs(expected).max())


def once_per_case(tmp_path_factory, run_case):
    """case -> run_case(a fresh directory, case), run once per module (a module-scoped fixture's value)."""
    results = {}

    def get(case):
        if case not in results:
            results[case] = run_case(tmp_path_factory.mktemp(case), case)
        return results[case]
    return get


def assert_refused(tmp_path, builder, output, opset, *words):
    """Compiling the graph fails with one line holding every word, and leaves no OUT."""
    path = tmp_path / "model.onnx"
    onnx.save(builder.model([output], opset=opset), str(path))
    with pytest.raises(IrcError) as info:
        compile_model(path, tmp_path / "out", CompileOptions(verify_each=True, probe=False))
    message = str(info.value)
    assert len(message.splitlines()) == 1
    assert all(word in message for word in words), message
    assert not (tmp_path / "out").exists()


def torch_module_run(tmp_path, module_text, class_name, shape, exporter):
    """The PyTorch module class_name of module_text, seeded, compiled with `irc compile
    FILE.py:CLASS --weights` as a user would -> (Keras.js's output, torch's) on one input."""
    import torch

    from irc.bundle.manifest import read_manifest
    from irc.cli import main
    from irc.frontend.torch_frontend import load_class
    (tmp_path / "net.py").write_text(module_text)
    torch.manual_seed(0)
    model = load_class(f"{tmp_path}/net.py:{class_name}")().eval()
    torch.save(model.state_dict(), tmp_path / "weights.pt")
    assert main(["compile", f"{tmp_path}/net.py:{class_name}", "--weights", str(tmp_path / "weights.pt"),
                 "--input-shape", ",".join(map(str, shape)), "--exporter", exporter, "--no-probe",
                 "-o", str(tmp_path / "out")]) == 0
    x = np.random.RandomState(3).uniform(-1, 1, shape).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    manifest = read_manifest(tmp_path / "out")
    (got,) = run_manifest(tmp_path / "out", manifest, {manifest["inputs"][0]["source_name"]: x}).values()
    return got, expected
