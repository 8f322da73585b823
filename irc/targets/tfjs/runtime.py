"""Run a TensorFlow.js layers model (irc/targets/tfjs/writer.py) in @tensorflow/tfjs under Node
(irc/targets/tfjs/run_tfjs.js), loaded as a page loads it: tf.loadLayersModel over tf.io.http.

Backend: IRC_TFJS_BACKEND, "cpu" (default: tfjs-backend-cpu, plain JavaScript, what
tfjs falls back to everywhere) or "wasm" (tfjs-backend-wasm, XNNPACK). Tensors cross the
process boundary as raw little-endian float32 files in a temp dir.
"""

import json
import os
import tempfile
from pathlib import Path

from irc.errors import IrcError
from irc.targets.node.bridge import read_response, read_tensors, run_node, write_requests
from irc.targets.node.modules import package_dir

RUNNER = Path(__file__).resolve().parent / "run_tfjs.js"
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
        request_dirs = write_requests(tmp, inputs_list)
        _run(Path(model_json), backend or default_backend(), request_dirs)
        return [_result(request_dir) for request_dir in request_dirs]


def read_tfjs_weights(model_json, backend=None):
    """{manifest weight name: array}: every variable of the model tfjs loaded from the files,
    i.e. the weights exactly as tfjs decoded them (quantized ones included)."""
    with tempfile.TemporaryDirectory(prefix="irc-tfjs-") as tmp:
        _run(Path(model_json), backend or default_backend(), [], weights_dir=Path(tmp))
        return read_tensors(tmp, json.loads((Path(tmp) / "weights.json").read_text()))


def _run(model_json, backend, request_dirs, weights_dir=None):
    tfjs_dir = package_dir("@tensorflow", "tfjs")
    if not tfjs_dir.is_dir():
        raise IrcError(f"TensorFlow.js is not installed ({tfjs_dir} is missing); run `make setup`")
    extra = ["--weights", weights_dir] if weights_dir else []
    run_node(RUNNER, [model_json, backend, *extra, *request_dirs],
             f"TensorFlow.js ({backend}) failed on {model_json}")


def _result(request_dir):
    response = read_response(request_dir)
    return {"outputs": read_tensors(request_dir, response["outputs"]), "backend": response["backend"],
            "timing_ms": response["timing_ms"]}
