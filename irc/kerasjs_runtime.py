"""Run a model.bin in the real Keras.js 1.0 under Node (irc/js/run_kerasjs.js).

Tensors cross the process boundary as raw little-endian float32 files in a temp dir.
"""

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from irc.errors import IrcError

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNNER = REPO_ROOT / "irc" / "js" / "run_kerasjs.js"
KERASJS_DIR = REPO_ROOT / "node_modules" / "keras-js"


def run_model_bin(model_bin_path, inputs, all_layers=False):
    """Run model.bin once on `inputs` ({input layer name: array in runtime layout, with
    or without the batch dimension of 1}).

    Returns {"outputs": {layer: array}, "layers": {layer: array} (only with all_layers),
    "timing_ms": float}; arrays have Keras.js's shapes, i.e. no batch dimension.
    """
    return run_model_bin_many(model_bin_path, [inputs], all_layers)[0]


def run_model_bin_many(model_bin_path, inputs_list, all_layers=False):
    """run_model_bin for each of `inputs_list`, in one Node process that loads the model
    once (Node and Keras.js start-up cost more than running a small model). -> [result]."""
    if not KERASJS_DIR.is_dir():
        raise IrcError(f"Keras.js is not installed ({KERASJS_DIR} is missing); run `make setup`")
    if not inputs_list:
        return []
    with tempfile.TemporaryDirectory(prefix="irc-kerasjs-") as tmp:
        request_dirs = [Path(tmp) / f"run_{i}" for i in range(len(inputs_list))]
        for request_dir, inputs in zip(request_dirs, inputs_list):
            request_dir.mkdir()
            _write_request(request_dir, inputs, all_layers)
        _run_node(Path(model_bin_path), request_dirs)
        return [_read_response(request_dir) for request_dir in request_dirs]


def _write_request(request_dir, inputs, all_layers):
    specs = []
    for index, (name, array) in enumerate(inputs.items()):
        array = np.ascontiguousarray(array, dtype="<f4")
        file = f"input_{index}.f32"
        array.tofile(request_dir / file)
        specs.append({"name": name, "shape": list(array.shape), "file": file})
    request = {"inputs": specs, "all_layers": all_layers}
    (request_dir / "request.json").write_text(json.dumps(request))


def _run_node(model_bin, request_dirs):
    try:
        proc = subprocess.run(["node", str(RUNNER), str(model_bin), *map(str, request_dirs)],
                              capture_output=True, text=True)
    except FileNotFoundError:
        raise IrcError("`node` was not found; install Node.js 20 and run `make setup`") from None
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
        # Node itself may warn first; the runner's own one-line message comes last.
        raise IrcError(f"Keras.js failed on {model_bin}: {lines[-1].removeprefix('run_kerasjs: ')}")


def _read_response(request_dir):
    response = json.loads((request_dir / "response.json").read_text())
    return {
        "outputs": _read_tensors(request_dir, response["outputs"]),
        "layers": _read_tensors(request_dir, response["layers"]),
        "timing_ms": response["timing_ms"],
    }


def _read_tensors(request_dir, specs):
    return {spec["name"]: np.fromfile(request_dir / spec["file"], dtype="<f4").reshape(spec["shape"])
            for spec in specs}
