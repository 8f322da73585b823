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
    """run_manifest for each of `source_inputs_list`, loading the model once. A model compiled
    from batch N > 1 (manifest "source_batch", irc/frontend/batch.py) takes batch-N arrays:
    Keras.js runs each sample alone and the outputs are stacked back into a batch of N."""
    from irc.targets import get_target
    name = target or next(iter(manifest["targets"]))
    if name not in manifest["targets"]:
        raise IrcError(f"{out_dir}: has no {name} files (compiled targets: {', '.join(manifest['targets'])})")
    batch = manifest.get("source_batch", 1)
    runs = [split_samples(_checked_inputs(manifest, source_inputs, batch), batch) for source_inputs in source_inputs_list]
    feeds_list = [_runtime_feeds(manifest, sample) for samples in runs for sample in samples]
    results = get_target(name).execute(out_dir, feeds_list, runtime)
    outputs = iter([{spec["source_name"]: _to_source(result[spec["name"]], spec) for spec in manifest["outputs"]}
                    for result in results])
    return [stack_samples([next(outputs) for _ in samples]) for samples in runs]


def split_samples(source_inputs, batch):
    """{name: batch-N array} -> N dicts {name: that sample, batch 1}; at batch 1, the inputs
    as they are (a rank-1 input has no batch axis to split)."""
    if batch == 1:
        return [source_inputs]
    return [{name: x[i:i + 1] for name, x in source_inputs.items()} for i in range(batch)]


def stack_samples(outputs):
    """N dicts {name: batch-1 array} -> {name: batch-N array}."""
    if len(outputs) == 1:
        return outputs[0]
    return {name: np.concatenate([o[name] for o in outputs]) for name in outputs[0]}


def _checked_inputs(manifest, source_inputs, batch):
    """{source input name: float32 array}, each of the source model's shape: [N, ...] at batch N."""
    checked = {}
    for spec in manifest["inputs"]:
        if spec["source_name"] not in source_inputs:
            raise IrcError(f"no array given for input {spec['source_name']}")
        x = np.asarray(source_inputs[spec["source_name"]], dtype=np.float32)
        shape = [batch, *spec["source_shape"][1:]] if batch > 1 else spec["source_shape"]
        if list(x.shape) != shape:
            raise IrcError(f"input {spec['source_name']} has shape {list(x.shape)}; the model takes {shape}")
        checked[spec["source_name"]] = x
    return checked


def _runtime_feeds(manifest, sample):
    """One sample (batch 1, source layout) -> {input layer: the runtime layout, no batch axis}."""
    return {spec["name"]: sample[spec["source_name"]].transpose(spec["perm"])[0] for spec in manifest["inputs"]}


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
