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
from tests.onnx_models import run_ort


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
