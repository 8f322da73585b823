"""Run a model.bin in Keras.js 1.0.3 under Node (irc/targets/kerasjs/run_kerasjs.js); run_in_node
runs any runner on irc/targets/kerasjs/kerasjs_runner.js (e.g. Keras.js 0.3.0's, irc/targets/kerasjs_legacy.py).

Two builds of Keras.js 1.0.3 run the same model.bin (`--runtime`): "irc", irc's own build
(irc/targets/kerasjs/irc_kerasjs/: keras-js with fast CPU kernels), the default, and "stock",
keras-js's own, kept to compare against. Tensors cross the process boundary as raw
little-endian float32 files in a temp dir.
"""

import tempfile
from pathlib import Path

from irc.errors import IrcError
from irc.targets.kerasjs import RUNTIMES
from irc.targets.node.bridge import read_response, read_tensors, run_node, write_requests
from irc.targets.node.modules import kerasjs_build_file, package_dir

RUNNER = Path(__file__).resolve().parent / "run_kerasjs.js"


def node_module(runtime=None):
    """What Node requires to get Keras.js `runtime` (one of RUNTIMES; None: the default)."""
    return kerasjs_build_file("keras-irc.node.js") if _irc(runtime) else package_dir("keras-js")


def browser_bundle(runtime=None):
    """The browser bundle (global KerasJS) of Keras.js `runtime`; the page copies it beside itself."""
    return kerasjs_build_file("keras-irc.min.js") if _irc(runtime) else package_dir("keras-js", "dist", "keras.min.js")


def _irc(runtime):
    """Whether `runtime` (None: the default, RUNTIMES[0]) is irc's build rather than stock keras-js."""
    if runtime not in (None, *RUNTIMES):
        raise IrcError(f"--runtime {runtime}: expected one of {', '.join(RUNTIMES)}")
    return (runtime or RUNTIMES[0]) == "irc"


def run_model_bin(model_bin_path, inputs, all_layers=False, runtime=None):
    """Run model.bin once on `inputs` ({input layer name: array in runtime layout, with
    or without the batch dimension of 1}) in Keras.js `runtime` (one of RUNTIMES; None: the default).

    Returns {"outputs": {layer: array}, "layers": {layer: array} (only with all_layers),
    "timing_ms": float}; arrays have Keras.js's shapes, i.e. no batch dimension.
    """
    return run_model_bin_many(model_bin_path, [inputs], all_layers, runtime)[0]


def run_model_bin_many(model_bin_path, inputs_list, all_layers=False, runtime=None):
    """run_model_bin for each of `inputs_list`, in one Node process that loads the model
    once (Node and Keras.js start-up cost more than running a small model). -> [result]."""
    return run_in_node(RUNNER, node_module(runtime), [Path(model_bin_path)], inputs_list, all_layers)


def run_in_node(runner, module, model_files, inputs_list, all_layers=False, what=None):
    """Run `runner` (a script on irc/targets/kerasjs/kerasjs_runner.js) on model_files, once per inputs
    in inputs_list; module: the Keras.js it requires. -> [result] as run_model_bin's."""
    if not module.exists():
        raise IrcError(f"Keras.js is not installed ({module} is missing); run `make setup`")
    if not inputs_list:
        return []
    with tempfile.TemporaryDirectory(prefix="irc-kerasjs-") as tmp:
        request_dirs = write_requests(tmp, inputs_list, all_layers=all_layers)
        run_node(runner, [module, *model_files, *request_dirs], f"Keras.js failed on {what or model_files[0]}")
        return [_result(request_dir) for request_dir in request_dirs]


def _result(request_dir):
    response = read_response(request_dir)
    return {
        "outputs": read_tensors(request_dir, response["outputs"]),
        "layers": read_tensors(request_dir, response["layers"]),
        "timing_ms": response["timing_ms"],
    }
