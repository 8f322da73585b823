"""OUT/manifest.json: how to call the emitted files, in the source model's terms."""

import json

import irc

MANIFEST = "manifest.json"


def tensor_entry(spec):
    return {"name": spec.layer, "source_name": spec.source_name, "shape": list(spec.shape),
            "source_shape": list(spec.source_shape), "perm": list(spec.perm)}


def build_manifest(model, source, files):
    return {
        "irc_version": irc.__version__,
        "source": {"path": source.path.name, "framework": source.framework, "sha256": source.sha256},
        "inputs": [tensor_entry(s) for s in model.inputs],
        "outputs": [tensor_entry(s) for s in model.outputs],
        "targets": files,
        "layers": {layer.name: layer.source for layer in model.layers},
        "note": "runtime = source.transpose(perm); shapes include the batch axis, which "
                "Keras.js does not take: pass the data without it",
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
