"""Where a model comes from: a Chainer npz (+ architecture), a PyTorch module (+ state dict) or an
ONNX file -> ModelProto."""

import gc
import hashlib
from dataclasses import dataclass
from pathlib import Path

from irc.errors import IrcError
from irc.user_code import short


@dataclass
class SourceModel:
    path: Path
    framework: str          # "chainer", "onnx" or "torch"
    sha256: str
    proto: object           # onnx.ModelProto; the Chainer front end leaves its weights out...
    weights: dict           # ...and hands them over here by reference ({name: array}), else None
    input_shapes: dict      # {input name: shape} given on the command line
    probe: object = None    # Probe: one run of the source framework, when it ran one

    def release(self):
        """Drop the proto and the weights once the IR holds them (memory target)."""
        self.proto = self.weights = None


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


FRAMEWORKS = ("chainer", "onnx", "torch")
TORCH_SUFFIXES = (".pt", ".pth")


def load_source(path, arch=None, arch_args=None, input_shape=None, framework=None, weights=None,
                exporter=None):
    """framework: None (from MODEL: .npz Chainer, .onnx ONNX, FILE.py:CLASS or .pt/.pth PyTorch)
    or one of FRAMEWORKS. weights and exporter are the PyTorch front end's."""
    if framework is not None and framework not in FRAMEWORKS:
        raise IrcError(f"--framework {framework}: expected one of {', '.join(FRAMEWORKS)}")
    if (framework or guess_framework(path)) == "torch":
        return _from_torch(path, arch, arch_args, input_shape, weights, exporter)
    for option, value in (("--weights", weights), ("--exporter", exporter)):
        if value is not None:
            raise IrcError(f"{option} is for PyTorch models (--framework torch)")
    path = Path(path)
    if not path.exists():
        raise IrcError(f"{path}: no such file")
    if not path.is_file():
        raise IrcError(f"{path}: not a file")
    suffix = path.suffix.lower()
    if framework == "onnx" or (framework is None and suffix == ".onnx"):
        return _from_onnx(path, input_shape)
    if framework == "chainer" or (framework is None and suffix == ".npz"):
        return _from_chainer(path, arch, arch_args, input_shape)
    raise IrcError(f"{path}: unknown model type '{suffix}' (expected .npz with a Chainer architecture, .onnx, "
                   "FILE.py:CLASS or .pt; or give --framework)")


def guess_framework(path):
    from irc.frontend.torch_frontend import is_class_spec
    text = str(path)
    if is_class_spec(text) or Path(text).suffix.lower() in TORCH_SUFFIXES:
        return "torch"
    return None


def model_name(path, weights=None):
    """The default output name: the weights' or the model file's stem (net.py:Model -> net)."""
    from irc.frontend.torch_frontend import is_class_spec
    if weights:
        return Path(weights).stem
    text = str(path)
    return Path(text.rpartition(":")[0] if is_class_spec(text) else text).stem


def _from_torch(path, arch, arch_args, input_shape, weights, exporter):
    """MODEL is FILE.py:CLASS (--weights: its state dict), a state dict with --arch FILE.py:CLASS,
    or a TorchScript archive."""
    from irc.frontend import torch_frontend as tf
    from irc.frontend.chainer_frontend import parse_arch_args
    text = str(path)
    if tf.is_class_spec(text):
        if arch:
            raise IrcError(f"{text}: give the architecture once, as MODEL or as --arch, not both")
        spec = text
    elif arch:
        if weights:
            raise IrcError(f"{text}: give the state dict once, as MODEL or as --weights, not both")
        spec, weights = arch, text
    else:
        spec = None
        if text.endswith(".py"):
            raise IrcError(f"{text}: name the model class: {text}:CLASS")
        if not Path(text).is_file():
            raise IrcError(f"{text}: no such file (a PyTorch model is FILE.py:CLASS or a TorchScript archive)")
        if weights or arch_args:
            raise IrcError(f"{text}: --weights and --arch-args need the architecture: FILE.py:CLASS")
    if input_shape is None:
        raise IrcError(f"{text}: give the input shape of a PyTorch model with --input-shape, e.g. 1,3,32,32")
    if spec is None:
        model, source = tf.load_torchscript(text), Path(text)
    else:
        model = tf.load_torch_model(spec, weights, parse_arch_args(arch_args))
        source = Path(weights) if weights else Path(spec.rpartition(":")[0])
    proto, probe = tf.export_onnx(model, tuple(input_shape), exporter or tf.DEFAULT_EXPORTER, text)
    del model
    return SourceModel(source, "torch", file_sha256(source), proto, None, {}, probe)


def _from_chainer(path, arch, arch_args, input_shape):
    from irc.frontend import chainer_frontend as cf
    model = cf.load_chainer_model(path, arch, cf.parse_arch_args(arch_args))
    shape = tuple(input_shape) if input_shape else cf.default_input_shape(model, path)
    proto, weights, probe = cf.export_onnx(model, shape, path)
    # The exported forward pass leaves reference cycles (variables <-> function nodes)
    # that hold the Chain; free it now, before passes copy weights (memory target).
    del model
    gc.collect()
    return SourceModel(path, "chainer", file_sha256(path), proto, weights, {}, probe)


def _from_onnx(path, input_shape):
    import onnx
    try:
        proto = onnx.load(str(path))
    except Exception as exc:    # protobuf raises several unrelated types on bad bytes
        raise IrcError(f"{path}: not a readable ONNX model ({type(exc).__name__}: {short(exc)})") from None
    if not proto.graph.output:
        raise IrcError(f"{path}: holds no ONNX graph outputs (an empty file, or not an ONNX model); "
                       "export the model again")
    inputs = [i.name for i in proto.graph.input if i.name not in {t.name for t in proto.graph.initializer}]
    overrides = {inputs[0]: tuple(input_shape)} if input_shape and inputs else {}
    return SourceModel(path, "onnx", file_sha256(path), proto, None, overrides)


def parse_input_shape(text):
    if text is None:
        return None
    try:
        shape = tuple(int(d) for d in text.replace("x", ",").split(","))
    except ValueError:
        raise IrcError(f"--input-shape {text}: expected comma-separated integers such as 1,3,32,32") from None
    if not shape or min(shape) <= 0:
        raise IrcError(f"--input-shape {text}: every dimension must be a positive integer")
    return shape
