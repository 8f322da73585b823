"""The protocol irc's Node runners (irc/targets/*/*.js) share: per run a directory holding each
input as raw little-endian float32 plus request.json; the runner answers with
response.json and float32 files beside it. Failures end in one line on stderr."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np

from irc.errors import IrcError
from irc.targets.node.modules import ENV, node_modules

# A runner that has not answered in this long is stuck (the largest models irc's tests and
# benchmarks run take well under a minute); IRC_NODE_TIMEOUT overrides it.
NODE_TIMEOUT = 600


def write_requests(tmp, inputs_list, **options):
    """One request directory per {input name: array} under tmp; options go into request.json."""
    request_dirs = []
    for i, inputs in enumerate(inputs_list):
        request_dir = Path(tmp) / f"run_{i}"
        request_dir.mkdir()
        specs = []
        for index, (name, array) in enumerate(inputs.items()):
            array = np.ascontiguousarray(array, dtype="<f4")
            array.tofile(request_dir / f"input_{index}.f32")
            specs.append({"name": name, "shape": list(array.shape), "file": f"input_{index}.f32"})
        (request_dir / "request.json").write_text(json.dumps({"inputs": specs, **options}))
        request_dirs.append(request_dir)
    return request_dirs


def run_node(runner, args, failure, timeout=None):
    """node runner args...; a failure raises IrcError "<failure>: <the runner's last line>".
    timeout: seconds (default IRC_NODE_TIMEOUT, else NODE_TIMEOUT); a runner still going
    then is killed and the failure says so."""
    timeout = timeout or float(os.environ.get("IRC_NODE_TIMEOUT", NODE_TIMEOUT))
    # NODE_PATH: irc's Keras.js build (wherever IRC_KERASJS_BUILD puts it) requires keras-js's
    # dependencies from the same node_modules.
    env = dict(os.environ, **{ENV: str(node_modules()), "NODE_PATH": str(node_modules())})
    try:
        proc = subprocess.run(["node", str(runner), *map(str, args)], capture_output=True, text=True,
                              env=env, timeout=timeout)
    except FileNotFoundError:
        raise IrcError("`node` was not found; install Node.js 20 and run `make setup`") from None
    except subprocess.TimeoutExpired:
        raise IrcError(f"{failure}: no answer after {timeout:g} s (IRC_NODE_TIMEOUT sets the limit)") from None
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
        # Node itself may warn first; the runner's own message, prefixed with its name, comes last.
        raise IrcError(f"{failure}: {lines[-1].removeprefix(Path(runner).stem + ': ')}")


def read_response(request_dir):
    return json.loads((Path(request_dir) / "response.json").read_text())


def read_tensors(directory, specs):
    return {spec["name"]: np.fromfile(Path(directory) / spec["file"], dtype="<f4").reshape(spec["shape"])
            for spec in specs}
