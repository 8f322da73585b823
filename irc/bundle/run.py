"""irc run: feed a source-layout array to the emitted files and get a source-layout array back."""

import numpy as np

from irc.bundle.manifest import read_manifest
from irc.errors import IrcError


def run_out_dir(out_dir, input_path, output_path, target=None, runtime=None):
    manifest = read_manifest(out_dir)
    if len(manifest["inputs"]) != 1 or len(manifest["outputs"]) != 1:
        raise IrcError(f"{out_dir}: irc run handles one input and one output; this model has "
                       f"{len(manifest['inputs'])} and {len(manifest['outputs'])}")
    x = load_npy(input_path)
    outputs = run_manifest(out_dir, manifest, {manifest["inputs"][0]["source_name"]: x}, target, runtime)
    np.save(output_path, outputs[manifest["outputs"][0]["source_name"]])


def run_manifest(out_dir, manifest, source_inputs, target=None, runtime=None):
    """{source input name: array in source layout} -> {source output name: array in source layout}.
    runtime: --runtime, the build that runs the kerasjs files (None: irc's)."""
    return run_manifest_many(out_dir, manifest, [source_inputs], target, runtime)[0]


def run_manifest_many(out_dir, manifest, source_inputs_list, target=None, runtime=None):
    """run_manifest for each of `source_inputs_list`, loading the model once."""
    from irc.targets import get_target
    name = target or next(iter(manifest["targets"]))
    if name not in manifest["targets"]:
        raise IrcError(f"{out_dir}: has no {name} files (compiled targets: {', '.join(manifest['targets'])})")
    feeds_list = [_runtime_feeds(manifest, source_inputs) for source_inputs in source_inputs_list]
    results = get_target(name).execute(out_dir, feeds_list, runtime)
    return [{spec["source_name"]: _to_source(result[spec["name"]], spec) for spec in manifest["outputs"]}
            for result in results]


def _runtime_feeds(manifest, source_inputs):
    feeds = {}
    for spec in manifest["inputs"]:
        if spec["source_name"] not in source_inputs:
            raise IrcError(f"no array given for input {spec['source_name']}")
        x = np.asarray(source_inputs[spec["source_name"]], dtype=np.float32)
        if list(x.shape) != spec["source_shape"]:
            raise IrcError(f"input {spec['source_name']} has shape {list(x.shape)}; "
                           f"the model takes {spec['source_shape']}")
        feeds[spec["name"]] = x.transpose(spec["perm"])[0]        # Keras.js has no batch axis
    return feeds


def _to_source(array, spec):
    runtime = np.asarray(array, dtype=np.float32).reshape(spec["shape"])
    return runtime.transpose(np.argsort(spec["perm"]))


def load_npy(path):
    if not path.is_file():
        raise IrcError(f"{path}: no such file")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise IrcError(f"{path}: not a readable .npy array ({exc})") from None
