"""OUT/manifest.json: how to call the emitted files, in the source model's terms."""

import json
from pathlib import Path

import irc

MANIFEST = "manifest.json"

# The values an output ending in these activations can take; the demo page maps them onto
# pixels (a tanh generator's [-1, 1] is not a sigmoid's [0, 1]).
ACTIVATION_RANGES = {"sigmoid": [0, 1], "hard_sigmoid": [0, 1], "softmax": [0, 1],
                     "tanh": [-1, 1], "softsign": [-1, 1]}
_VALUE_PRESERVING = {"Reshape", "Flatten", "Permute", "Cropping2D", "UpSampling2D"}


def tensor_entry(spec):
    return {"name": spec.layer, "source_name": spec.source_name, "shape": list(spec.shape),
            "source_shape": list(spec.source_shape), "perm": list(spec.perm)}


def value_range(model, layer_name):
    """[low, high] of the output of layer_name when its activation bounds it, else None."""
    layer = model.layer(layer_name)
    while layer.class_name in _VALUE_PRESERVING and len(layer.inbound) == 1:
        layer = model.layer(layer.inbound[0])
    return ACTIVATION_RANGES.get(layer.config.get("activation"))


def pipeline_entry(options, names):
    """What check/dump --out need to replay the passes (irc/replay.py), and the flags that chose them."""
    return {"passes": list(names), "optimize": options.optimize, "disable": list(options.disable_passes),
            "enable": list(options.enable_passes), "quantize": options.quantize,
            "plugins": [Path(p).name for p in options.plugins]}


def build_manifest(model, source, files, pipeline, page=None, source_batch=1):
    """page: what write_page wrote ({files, bundle: the Keras.js script index.html loads}), or None.
    source_batch: the batch the source was exported at; the files run one sample of it at a time."""
    return {
        "irc_version": irc.__version__,
        "source": {"path": source.path.name, "framework": source.framework, "sha256": source.sha256},
        "source_batch": source_batch,
        "inputs": [tensor_entry(s) for s in model.inputs],
        "outputs": [dict(tensor_entry(s), value_range=value_range(model, s.layer)) for s in model.outputs],
        "targets": files,
        "page": page,
        "layers": {layer.name: layer.source for layer in model.layers},
        "pipeline": pipeline,
        "note": "runtime = source.transpose(perm); shapes include the batch axis, which "
                "Keras.js does not take: pass the data without it, one sample at a time (the "
                "source model takes source_batch of them)",
    }


def write_manifest(manifest, path):
    path.write_text(json.dumps(manifest, indent=2) + "\n")


def read_manifest(out_dir):
    from irc.errors import IrcError
    path = out_dir / MANIFEST
    if not path.is_file():
        raise IrcError(f"{out_dir}: no {MANIFEST}; is this an irc compile output directory?")
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IrcError(f"{path}: not valid JSON ({exc})") from None
