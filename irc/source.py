"""Where a model comes from: a Chainer npz (+ architecture) or an ONNX file -> ModelProto."""

import gc
import hashlib
from dataclasses import dataclass
from pathlib import Path

from irc.errors import IrcError


@dataclass
class SourceModel:
    path: Path
    framework: str          # "chainer" or "onnx"
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


def load_source(path, arch=None, arch_args=None, input_shape=None):
    path = Path(path)
    if not path.exists():
        raise IrcError(f"{path}: no such file")
    if not path.is_file():
        raise IrcError(f"{path}: not a file")
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        return _from_onnx(path, input_shape)
    if suffix == ".npz":
        return _from_chainer(path, arch, arch_args, input_shape)
    raise IrcError(f"{path}: unknown model type '{suffix}' (expected .npz with a Chainer architecture, or .onnx)")


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
        raise IrcError(f"{path}: not a readable ONNX model ({type(exc).__name__})") from None
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
