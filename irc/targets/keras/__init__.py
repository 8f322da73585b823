"""Keras 3: keras/model.keras (native format) and keras/model.h5 (Keras 3's legacy HDF5, for
tools that read HDF5), both from the same keras.Model that irc/targets/keras/model.py builds.

Weights stay float32 (quantizes=()): a Keras file has no quantized-weight encoding that
Keras reads back as the same layers. TensorFlow is imported inside write and run only.

Both files are byte-identical from one compile to the next. model.h5 is so as Keras writes
it. model.keras is a zip that Keras makes differ on every save: metadata.json holds the save
time ("date_saved"), the model.weights.h5 entry is stamped with it, and config.json numbers
shared objects (the float32 DTypePolicy every layer refers to) by their Python id(). So it is
rewritten: date_saved removed (Keras' loader does not read metadata.json), every entry dated
1980-01-01 (as Keras already dates the others), shared_object_id renumbered 1, 2, ... in order
of first appearance (the loader only matches equal ids within the file).
"""

import json
import logging
import re
import shutil
import zipfile
from importlib import metadata

import numpy as np

from irc.errors import IrcError
from irc.targets.registry import Target, register_target

DIR = "keras"
MODEL_KERAS = f"{DIR}/model.keras"
MODEL_H5 = f"{DIR}/model.h5"
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def write(model, out_dir, quantization):
    from irc.targets.keras.model import build_keras_model
    if quantization.mode:
        raise IrcError(f"--quantize {quantization.mode}: target keras stores float32 only")
    _keras()                          # refuses in one line when Keras/TensorFlow is missing
    keras_model = build_keras_model(model)
    _check_layer_names(model, keras_model)
    (out_dir / DIR).mkdir(exist_ok=True)
    raw = out_dir / DIR / "model.unnormalized.keras"
    try:
        keras_model.save(raw)
        _deterministic_zip(raw, out_dir / MODEL_KERAS)
    finally:
        raw.unlink(missing_ok=True)
    absl = logging.getLogger("absl")      # Keras warns that HDF5 is legacy: it is meant here
    level = absl.level
    absl.setLevel(logging.ERROR)
    try:
        keras_model.save(out_dir / MODEL_H5)
    finally:
        absl.setLevel(level)
    return [MODEL_KERAS, MODEL_H5]


def run(out_dir, feeds_list):
    path = out_dir / MODEL_KERAS
    if not path.is_file():
        raise IrcError(f"{path}: no such file")
    keras = _keras()
    try:
        keras_model = keras.models.load_model(path, compile=False)
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise IrcError(f"{path}: Keras cannot load it ({exc})") from None
    names = [tensor.name for tensor in keras_model.inputs]
    for feeds in feeds_list:
        if set(feeds) != set(names):
            raise IrcError(f"{path}: the model takes inputs {names}, given {sorted(feeds)}")
    batch = [np.stack([np.asarray(feeds[name], np.float32) for feeds in feeds_list]) for name in names]
    outputs = keras_model(batch, training=False)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    outputs = [np.asarray(output) for output in outputs]
    return [{name: output[i] for name, output in zip(keras_model.output_names, outputs)}
            for i in range(len(feeds_list))]


def _keras():
    from irc.targets.keras.model import import_keras
    try:
        return import_keras()
    except ImportError as exc:
        raise IrcError(f"target keras needs Keras 3 with TensorFlow installed ({exc})") from None


def _check_layer_names(model, keras_model):
    expected = [layer.name for layer in model.layers]
    got = [layer.name for layer in keras_model.layers]
    if got != expected:
        raise IrcError(f"keras.Model layer names {got} differ from the lowered model's {expected}")


def _deterministic_zip(src, dst):
    """Copy the zip `src` to `dst` with fixed entry dates and the small JSON entries made
    independent of the time and the process."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            entry = zipfile.ZipInfo(info.filename, _ZIP_EPOCH)
            entry.compress_type, entry.external_attr = info.compress_type, info.external_attr
            entry.file_size = info.file_size         # lets zipfile choose zip64 up front
            if info.filename in _REWRITTEN:
                zout.writestr(entry, _REWRITTEN[info.filename](zin.read(info).decode()))
                continue
            with zin.open(info) as reader, zout.open(entry, "w") as writer:
                shutil.copyfileobj(reader, writer, 1 << 20)


def _without_date(metadata_json):
    meta = json.loads(metadata_json)
    meta.pop("date_saved", None)
    return json.dumps(meta)


def _renumber_shared_objects(config_json):
    numbers = {}

    def number(match):
        return f'"shared_object_id": {numbers.setdefault(match.group(1), len(numbers) + 1)}'

    return re.sub(r'"shared_object_id": (\d+)', number, config_json)


_REWRITTEN = {"metadata.json": _without_date, "config.json": _renumber_shared_objects}


def _runtime():
    try:
        return f"keras@{metadata.version('keras')} (Python, TensorFlow backend)"
    except metadata.PackageNotFoundError:
        return "keras@3 (Python, TensorFlow backend)"


register_target(Target("keras", _runtime(), write, run, quantizes=()))
