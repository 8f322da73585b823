"""Run a model.bin in the real Keras.js 1.0 under Node (irc/js/run_kerasjs.js); run_in_node
runs any runner on irc/js/kerasjs_runner.js (e.g. Keras.js 0.3.0's, irc/targets/kerasjs_legacy.py).

Tensors cross the process boundary as raw little-endian float32 files in a temp dir.
"""

import json
import re
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
    return run_in_node(RUNNER, KERASJS_DIR, [Path(model_bin_path)], inputs_list, all_layers)


def run_in_node(runner, package_dir, model_files, inputs_list, all_layers=False, what=None):
    """Run `runner` (a script on irc/js/kerasjs_runner.js) on model_files, once per inputs
    in inputs_list; package_dir: the Keras.js it loads. -> [result] as run_model_bin's."""
    if not package_dir.is_dir():
        raise IrcError(f"Keras.js is not installed ({package_dir} is missing); run `make setup`")
    if not inputs_list:
        return []
    with tempfile.TemporaryDirectory(prefix="irc-kerasjs-") as tmp:
        request_dirs = [Path(tmp) / f"run_{i}" for i in range(len(inputs_list))]
        for request_dir, inputs in zip(request_dirs, inputs_list):
            request_dir.mkdir()
            _write_request(request_dir, inputs, all_layers)
        _run_node(runner, [Path(f) for f in model_files], request_dirs, what or model_files[0])
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


def _run_node(runner, model_files, request_dirs, what):
    try:
        proc = subprocess.run(["node", str(runner), *map(str, model_files), *map(str, request_dirs)],
                              capture_output=True, text=True)
    except FileNotFoundError:
        raise IrcError("`node` was not found; install Node.js 20 and run `make setup`") from None
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
        # Node itself may warn first; the runner's own one-line message comes last.
        message = re.sub(rf"^{re.escape(Path(runner).stem)}: ", "", lines[-1])
        raise IrcError(f"Keras.js failed on {what}: {message}")


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
