"""Run a TensorFlow.js layers model (irc/emit/tfjs.py) in @tensorflow/tfjs under Node
(irc/js/run_tfjs.js), loaded as a page loads it: tf.loadLayersModel over tf.io.http.

Backend: IRC_TFJS_BACKEND, "cpu" (default: tfjs-backend-cpu, plain JavaScript, what
tfjs falls back to everywhere) or "wasm" (tfjs-backend-wasm, XNNPACK). Tensors cross the
process boundary as raw little-endian float32 files in a temp dir.
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from irc.errors import IrcError

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNNER = REPO_ROOT / "irc" / "js" / "run_tfjs.js"
TFJS_DIR = REPO_ROOT / "node_modules" / "@tensorflow" / "tfjs"
BACKENDS = ("cpu", "wasm")


def default_backend():
    backend = os.environ.get("IRC_TFJS_BACKEND", "cpu")
    if backend not in BACKENDS:
        raise IrcError(f"IRC_TFJS_BACKEND={backend}: expected one of {', '.join(BACKENDS)}")
    return backend


def run_tfjs_many(model_json, inputs_list, backend=None):
    """Run model.json once per {input layer name: runtime-layout array, with or without the
    batch axis} in one Node process. -> [{"outputs": {layer: array without the batch axis},
    "backend": str, "timing_ms": float}]."""
    if not inputs_list:
        return []
    with tempfile.TemporaryDirectory(prefix="irc-tfjs-") as tmp:
        dirs = [Path(tmp) / f"run_{i}" for i in range(len(inputs_list))]
        for request_dir, inputs in zip(dirs, inputs_list):
            request_dir.mkdir()
            _write_request(request_dir, inputs)
        _run_node(Path(model_json), backend or default_backend(), dirs)
        return [_read_response(d) for d in dirs]


def read_tfjs_weights(model_json, backend=None):
    """{manifest weight name: array}: every variable of the model tfjs loaded from the files,
    i.e. the weights exactly as tfjs decoded them (quantized ones included)."""
    with tempfile.TemporaryDirectory(prefix="irc-tfjs-") as tmp:
        _run_node(Path(model_json), backend or default_backend(), [], weights_dir=Path(tmp))
        return _read_tensors(Path(tmp), json.loads((Path(tmp) / "weights.json").read_text()))


def _write_request(request_dir, inputs):
    specs = []
    for index, (name, array) in enumerate(inputs.items()):
        array = np.ascontiguousarray(array, dtype="<f4")
        file = f"input_{index}.f32"
        array.tofile(request_dir / file)
        specs.append({"name": name, "shape": list(array.shape), "file": file})
    (request_dir / "request.json").write_text(json.dumps({"inputs": specs}))


def _run_node(model_json, backend, request_dirs, weights_dir=None):
    if not TFJS_DIR.is_dir():
        raise IrcError(f"TensorFlow.js is not installed ({TFJS_DIR} is missing); run `make setup`")
    extra = ["--weights", str(weights_dir)] if weights_dir else []
    try:
        proc = subprocess.run(["node", str(RUNNER), str(model_json), backend, *extra, *map(str, request_dirs)],
                              capture_output=True, text=True)
    except FileNotFoundError:
        raise IrcError("`node` was not found; install Node.js 20 and run `make setup`") from None
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
        raise IrcError(f"TensorFlow.js ({backend}) failed on {model_json}: "
                       f"{lines[-1].removeprefix('run_tfjs: ')}")


def _read_response(request_dir):
    response = json.loads((request_dir / "response.json").read_text())
    return {"outputs": _read_tensors(request_dir, response["outputs"]), "backend": response["backend"],
            "timing_ms": response["timing_ms"]}


def _read_tensors(directory, specs):
    return {spec["name"]: np.fromfile(directory / spec["file"], dtype="<f4").reshape(spec["shape"])
            for spec in specs}
