"""Chainer front end: an npz plus an architecture (a Chain subclass) -> ONNX ModelProto.

The user's architecture file is Python code and runs as such. Weights are loaded with
allow_pickle=False. The default architecture is the DCGAN Generator in examples/dcgan.
"""

import contextlib
import importlib.util
import io
import json
import math
import warnings
import zipfile
from pathlib import Path

import numpy as np

from irc.errors import IrcError

DEFAULT_ARCH = Path(__file__).resolve().parents[2] / "examples" / "dcgan" / "net.py"


def load_npz(path):
    path = Path(path)
    if not path.is_file():
        raise IrcError(f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise IrcError(f"{path}: not a readable .npz archive ({_short(exc)})") from None
    except ValueError as exc:
        raise IrcError(f"{path}: holds pickled objects or unreadable arrays ({_short(exc)}); "
                       "save plain arrays with chainer.serializers.save_npz") from None


def load_arch_class(spec):
    """'path/to/net.py:Generator' -> the class."""
    file_name, _, class_name = spec.rpartition(":")
    if not file_name or not class_name:
        raise IrcError(f"--arch {spec}: expected FILE.py:CLASS")
    path = Path(file_name)
    if not path.is_file():
        raise IrcError(f"--arch {spec}: {path} not found")
    module_spec = importlib.util.spec_from_file_location(f"irc_arch_{path.stem}", path)
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:   # user code: any exception is a message, not a crash
        raise IrcError(f"--arch {spec}: importing {path} raised {type(exc).__name__}: {_short(exc)}") from None
    cls = getattr(module, class_name, None)
    if cls is None:
        raise IrcError(f"--arch {spec}: {path} defines no {class_name}")
    return cls


def generator_args(params, npz_path):
    """n_hidden, ch and bottom_width of the DCGAN Generator, read off the array shapes."""
    try:
        units, n_hidden = params["l0/W"].shape
        ch = params["dc1/W"].shape[0]
    except (KeyError, ValueError):
        raise IrcError(f"{npz_path}: not a DCGAN generator (needs l0/W and dc1/W); "
                       "give --arch FILE.py:CLASS for other models") from None
    bottom_width = math.isqrt(units // ch) if ch and units % ch == 0 else 0
    if bottom_width * bottom_width * ch != units:
        raise IrcError(f"{npz_path}: l0/W has {units} outputs, not bottom_width^2 * ch with ch={ch}")
    return {"n_hidden": int(n_hidden), "ch": int(ch), "bottom_width": int(bottom_width)}


def build_model(cls, arch_args, spec):
    try:
        return cls(**arch_args)
    except Exception as exc:
        raise IrcError(f"--arch {spec}: {cls.__name__}(**{arch_args}) raised "
                       f"{type(exc).__name__}: {_short(exc)}") from None


def check_params_fit(model, params, npz_path):
    """Compare the npz with what save_npz would write for this model; list every misfit."""
    from chainer.serializers import DictionarySerializer
    expected = DictionarySerializer()
    expected.save(model)
    want = {k: v for k, v in expected.target.items()}
    missing = sorted(set(want) - set(params))
    extra = sorted(set(params) - set(want))
    misshaped = sorted(f"{k} {list(params[k].shape)} (model: {list(np.shape(want[k]))})"
                       for k in set(want) & set(params)
                       if want[k] is not None and np.shape(want[k]) != params[k].shape)
    problems = [f"{label}: {', '.join(items)}" for label, items in
                (("missing", missing), ("extra", extra), ("mis-shaped", misshaped)) if items]
    if problems:
        raise IrcError(f"{npz_path} does not fit {type(model).__name__}: " + "; ".join(problems))


def load_chainer_model(npz_path, arch=None, arch_args=None):
    import chainer
    params = load_npz(npz_path)
    spec = arch or f"{DEFAULT_ARCH}:Generator"
    cls = load_arch_class(spec)
    if arch_args is None:
        arch_args = generator_args(params, npz_path) if arch is None else {}
    model = build_model(cls, arch_args, spec)
    check_params_fit(model, params, npz_path)
    chainer.serializers.load_npz(str(npz_path), model)
    return model


def default_input_shape(model, npz_path):
    n_hidden = getattr(model, "n_hidden", None)
    if isinstance(n_hidden, int):
        return (1, n_hidden, 1, 1)          # the DCGAN generator's z
    raise IrcError(f"{npz_path}: cannot tell the input shape of {type(model).__name__}; give --input-shape")


def export_onnx(model, input_shape, source):
    """Run the model once in inference mode and record it as ONNX."""
    import chainer
    from irc.frontend import onnx_mapping_shim
    onnx_mapping_shim.install()
    import onnx
    import onnx_chainer
    x = np.random.RandomState(0).uniform(-1, 1, input_shape).astype(np.float32)
    try:
        with chainer.using_config("train", False), warnings.catch_warnings(), \
                contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            proto = onnx_chainer.export(model, x, graph_name=Path(source).stem)
    except Exception as exc:
        raise IrcError(f"{source}: running {type(model).__name__} on input {list(input_shape)} "
                       f"failed: {type(exc).__name__}: {_short(exc)}") from None
    # onnx_chainer stamps the installed onnx's IR version (14), which ONNX Runtime (and
    # onnxruntime-web) refuse; the lowest IR version that carries the opset is exact.
    proto.ir_version = onnx.helper.find_min_ir_version_for(list(proto.opset_import))
    return proto


def parse_arch_args(text):
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IrcError(f"--arch-args: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, dict):
        raise IrcError("--arch-args: expected a JSON object such as '{\"ch\": 256}'")
    return value


def _short(exc):
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


