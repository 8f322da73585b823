"""Chainer front end: an npz plus an architecture (a Chain subclass) -> ONNX ModelProto.

The user's architecture file is Python code and runs as such. Weights are loaded with
allow_pickle=False. The default architecture is the DCGAN Generator in examples/dcgan.
"""

import contextlib
import importlib.util
import io
import json
import math
import sys
import threading
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from irc.errors import IrcError
from irc.frontend.batch_statistics import refusing_chainer_batch_statistics
from irc.frontend.probe_inputs import PROBE_SEED, TRACE_SEED, seeded_input
from irc.frontend.tensor_names import rename_tensors, unique
from irc.frontend.weight_checks import note_casts, refuse_non_float, refuse_nonfinite
from irc.user_code import load_class, short


@dataclass
class Probe:
    """One run of the source framework: {input name: array}, {output name: array}, source layout."""
    inputs: dict
    outputs: dict


DEFAULT_ARCH = Path(__file__).resolve().parents[2] / "examples" / "dcgan" / "net.py"


def npz_headers(path):
    """{parameter name: (shape, dtype)} read from the .npy headers only: no weight is loaded twice."""
    path = Path(path)
    if not path.is_file():
        raise IrcError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):    # else np.load would try to read it as a pickle
        raise IrcError(f"{path}: not a readable .npz archive (not a zip file)")
    try:
        with zipfile.ZipFile(path) as archive:
            return dict(_member_header(path, archive, info) for info in archive.infolist())
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise IrcError(f"{path}: not a readable .npz archive ({short(exc)})") from None


def _member_header(path, archive, info):
    name = info.filename.removesuffix(".npy")
    with archive.open(info) as member:
        try:
            version = np.lib.format.read_magic(member)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, _, dtype = read_header(member)
        except ValueError as exc:
            raise IrcError(f"{path}: {info.filename} is not a .npy array ({short(exc)}); "
                           "save the weights with chainer.serializers.save_npz") from None
        data_bytes = info.file_size - member.tell()
    if dtype.hasobject:
        raise IrcError(f"{path}: {name} holds pickled Python objects, which irc does not load; "
                       "save plain arrays with chainer.serializers.save_npz")
    # Checked before the architecture is built from these shapes: a tiny file must not
    # make irc allocate whatever its headers claim.
    promised = math.prod(shape) * dtype.itemsize
    if promised > data_bytes:
        raise IrcError(f"{path}: {name} is truncated (its header promises {promised} bytes of data, "
                       f"the archive holds {data_bytes}); save it again")
    return name, (tuple(shape), dtype)


def load_weights(model, path):
    """Chainer's own load_npz allows pickles; read with allow_pickle=False instead."""
    from chainer.serializers import NpzDeserializer
    try:
        # A float64 value beyond float32's range becomes inf here, and check_weights names it:
        # numpy's overflow warning would only add a second line.
        with np.load(path, allow_pickle=False) as npz, np.errstate(over="ignore"):
            NpzDeserializer(npz).load(model)
    except (ValueError, TypeError, OSError, EOFError, zipfile.BadZipFile, zlib.error, KeyError) as exc:
        raise IrcError(f"{path}: cannot load its arrays into {type(model).__name__} ({short(exc)})") from None


def load_arch_class(spec):
    """'path/to/net.py:Generator' -> the class, a chainer.Link."""
    import chainer
    cls = load_class(spec, f"--arch {spec}", "irc_arch")
    name = str(spec).rpartition(":")[2]
    if not isinstance(cls, type):
        raise IrcError(f"--arch {spec}: {name} is a {type(cls).__name__}, not a chainer.Chain class")
    if not issubclass(cls, chainer.Link):
        raise IrcError(f"--arch {spec}: {name} is not a chainer.Chain subclass")
    return cls


def generator_args(shapes, npz_path):
    """n_hidden, ch and bottom_width of the DCGAN Generator, read off the array shapes."""
    try:
        units, n_hidden = shapes["l0/W"]
        ch = shapes["dc1/W"][0]
    except (KeyError, ValueError):
        raise IrcError(f"{npz_path}: not a DCGAN generator (needs l0/W and dc1/W); "
                       "give --arch FILE.py:CLASS for other models") from None
    bottom_width = math.isqrt(units // ch) if ch and units % ch == 0 else 0
    if bottom_width * bottom_width * ch != units:
        raise IrcError(f"{npz_path}: l0/W has {units} outputs, not bottom_width^2 * ch with ch={ch}")
    return {"n_hidden": int(n_hidden), "ch": int(ch), "bottom_width": int(bottom_width)}


def build_model(cls, arch_args, spec):
    try:
        with _uninitialised_parameters():
            model = cls(**arch_args)
    except Exception as exc:
        raise IrcError(f"--arch {spec}: {cls.__name__}(**{arch_args}) raised "
                       f"{type(exc).__name__}: {short(exc)}") from None
    model.cleargrads()              # inference needs no gradient arrays
    return model


@contextlib.contextmanager
def _uninitialised_parameters():
    """Parameters (and their gradients) as np.empty instead of their initializers' values.

    The npz overwrites every parameter (check_params_fit refuses a missing one), so the
    initial values are never read. Chainer's initializers draw float64 random numbers the
    size of the whole array and copy them in: 2x the largest weight at once, and each
    array touched (in RSS) before the npz writes it again; a large np.empty costs no RSS
    until it is written."""
    import chainer
    original = chainer.initializers.generate_array

    def generate_empty(initializer, shape, xp, dtype=None, device=None):
        if xp is not np:                 # a GPU or ChainerX array: as Chainer does it
            return original(initializer, shape, xp, dtype, device)
        return np.empty(shape, dtype=chainer.get_dtype(dtype if dtype is not None else
                                                       getattr(initializer, "dtype", None)))

    chainer.initializers.generate_array = generate_empty
    try:
        yield
    finally:
        chainer.initializers.generate_array = original


def serialized(model):
    """{npz key: array} as chainer.serializers.save_npz would write them (by reference)."""
    from chainer.serializers import DictionarySerializer
    serializer = DictionarySerializer()
    serializer.save(model)
    return serializer.target


def check_dtypes(model, dtypes, npz_path):
    refuse_non_float(npz_path, dtypes, _model_dtypes(model), _is_float)


def check_weights(model, dtypes, npz_path):
    """Every floating-point parameter, as loaded, is finite (float64 values beyond the float32
    range have become infinite by now); then a note on the arrays the load cast."""
    for name, array in serialized(model).items():
        refuse_nonfinite(f"{npz_path}: ", name, array)
    note_casts(npz_path, dtypes, _model_dtypes(model), _is_float)


def _model_dtypes(model):
    return {k: np.asarray(v).dtype for k, v in serialized(model).items() if np.asarray(v).dtype != object}


def _is_float(dtype):
    return dtype.kind == "f"


def check_params_fit(model, shapes, npz_path):
    """Compare the npz with what save_npz would write for this model; list every misfit."""
    target = serialized(model)
    # Uninitialised (lazy) parameters serialise as an object array of None: their shape
    # comes from the npz, as in Chainer's own load_npz.
    want = {k: v for k, v in target.items() if np.asarray(v).dtype != object}
    missing = sorted(set(target) - set(shapes))
    extra = sorted(set(shapes) - set(target))
    misshaped = sorted(f"{k} {list(shapes[k])} (model: {list(np.shape(want[k]))})"
                       for k in set(want) & set(shapes)
                       if np.shape(want[k]) != shapes[k])
    problems = [f"{label}: {', '.join(items)}" for label, items in
                (("missing", missing), ("extra", extra), ("mis-shaped", misshaped)) if items]
    if problems:
        raise IrcError(f"{npz_path} does not fit {type(model).__name__}: " + "; ".join(problems))


def import_chainer():
    """Import chainer and onnx_chainer on a thread of their own.

    Chainer keeps the tracebacks of the optional imports that failed (cupy, ideep), and a
    traceback keeps every frame that was on the importing stack, locals included, for
    the life of the process: imported from compile_model, it would pin the Chain and the
    weights in memory. A fresh thread's stack holds nothing of ours.
    """
    if "onnx_chainer" in sys.modules:
        return
    from irc.frontend import onnx_mapping_shim
    onnx_mapping_shim.install()
    thread = threading.Thread(target=lambda: [importlib.import_module(m) for m in ("chainer", "onnx_chainer")])
    thread.start()
    thread.join()


def load_chainer_model(npz_path, arch=None, arch_args=None):
    import_chainer()
    headers = npz_headers(npz_path)
    shapes = {name: shape for name, (shape, _) in headers.items()}
    spec = arch or f"{DEFAULT_ARCH}:Generator"
    cls = load_arch_class(spec)
    if arch_args is None:
        arch_args = generator_args(shapes, npz_path) if arch is None else {}
    model = build_model(cls, arch_args, spec)
    check_params_fit(model, shapes, npz_path)
    dtypes = {name: dtype for name, (_, dtype) in headers.items()}
    check_dtypes(model, dtypes, npz_path)
    load_weights(model, npz_path)
    check_weights(model, dtypes, npz_path)
    return model


def default_input_shape(model, npz_path):
    n_hidden = getattr(model, "n_hidden", None)
    if isinstance(n_hidden, int):
        return (1, n_hidden, 1, 1)          # the DCGAN generator's z
    raise IrcError(f"{npz_path}: cannot tell the input shape of {type(model).__name__}; give --input-shape")


def export_onnx(model, input_shape, source):
    """Run the model once in inference mode and record it as ONNX.

    -> (ModelProto without weight data, {ONNX name: weight array}, Probe: Chainer's output
    on another input, the reference the compile report measures against).
    """
    import_chainer()
    import chainer
    import onnx
    import onnx_chainer

    from irc.frontend.chainer_converters import irc_converters
    x, x_probe = seeded_input(input_shape, TRACE_SEED), seeded_input(input_shape, PROBE_SEED)
    try:
        with chainer.using_config("train", False), warnings.catch_warnings(), \
                contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            with _weights_by_reference() as weights, refusing_chainer_batch_statistics(model, source), \
                    irc_converters(model, source):
                proto, inputs, outputs = onnx_chainer.export(model, x, graph_name=Path(source).stem,
                                                             export_params=False, return_named_inout=True)
            probe_outputs = _run(model, x_probe)
            if len(probe_outputs) > 1:       # one output needs no pairing, nor a second run on x
                probe_outputs = _in_export_order(outputs, _run(model, x), probe_outputs)
    except IrcError:
        raise
    except Exception as exc:    # user code runs in the forward pass
        raise IrcError(f"{source}: running {type(model).__name__} on input {list(input_shape)} "
                       f"failed: {type(exc).__name__}: {short(exc)}") from None
    # onnx_chainer stamps the installed onnx's IR version (14), which ONNX Runtime (and
    # onnxruntime-web) refuse; the lowest IR version that carries the opset is exact.
    proto.ir_version = onnx.helper.find_min_ir_version_for(list(proto.opset_import))
    names = readable_names(proto, weights, model)
    (input_name,) = inputs
    probe = Probe({names.get(input_name, input_name): x_probe},
                  {names.get(k, k): y for k, y in zip(outputs, probe_outputs)})
    return proto, {names.get(k, k): v for k, v in weights.items()}, probe


def _in_export_order(exported, traced, probed):
    """The probe's outputs in the order of onnx_chainer's named outputs, which is not always
    the order the model returns them in: each named output is the traced run's output with
    the same values (identical outputs may pair either way)."""
    position = {}
    for name, variable in exported.items():
        position[name] = next((i for i, y in enumerate(traced)
                               if i not in position.values() and y.shape == variable.shape
                               and np.array_equal(y, variable.array, equal_nan=True)), None)
    if None in position.values():       # a run that is not repeatable: keep the returned order
        return probed
    return [probed[position[name]] for name in exported]


def _run(model, x):
    """The model's outputs on x as arrays, flattened as onnx_chainer flattens them (a variable
    returned twice is one graph output)."""
    import chainer
    with chainer.no_backprop_mode():
        result = model(chainer.Variable(x))
    if isinstance(result, dict):
        result = list(result.values())
    elif not isinstance(result, (list, tuple)):
        result = [result]
    unique_outputs = {id(v): v for v in result}
    return [np.asarray(v.array) for v in unique_outputs.values()]


def readable_names(proto, weights, model):
    """Rename (in place) onnx_chainer's tensors after the Chainer model: weights by their npz keys
    ("param_dc1_W" -> "dc1/W"), a layer's result by its link ("Deconvolution2DFunction_0"
    -> "dc1"), other results by their function ("ReLU_1" -> "relu_1"). ONNX node names
    stay as exported, so messages can still point at the ONNX node."""
    from onnx_chainer.onnx_helper import cleanse_param_name
    names = {cleanse_param_name("/" + key): key for key in serialized(model)}
    taken = set(names.values())
    for i, value in enumerate(vi for vi in proto.graph.input if vi.name not in weights):
        names[value.name] = unique("x" if i == 0 else f"x{i}", taken)
    for node in proto.graph.node:
        links = [names[i].rsplit("/", 1)[0] for i in node.input if i in weights and i in names]
        base = links[0] if links else node.name.lower() or node.op_type.lower()
        if node.op_type == "Constant":     # onnx_chainer names it after the node it feeds
            base += "/const"
        for output in node.output:
            names[output] = unique(base, taken)
    rename_tensors(proto, names)
    return names


@contextlib.contextmanager
def _weights_by_reference():
    """onnx_chainer copies every weight into TensorProtos, then again into the graph and
    the model: 4-5x the weights at peak. Its one converter, convert_parameter, is swapped
    for one that records the array itself and returns a data-less TensorProto (name,
    dims, type: all the graph needs), so the IR takes the weights without a copy."""
    import chainer
    import onnx
    export_module = importlib.import_module("onnx_chainer.export")  # the package re-exports a function by that name
    from onnx.helper import np_dtype_to_tensor_dtype
    weights = {}

    def convert_parameter(parameter, context):
        array = parameter.array if isinstance(parameter, chainer.Variable) else parameter
        array = np.asarray(chainer.backend.CpuDevice().send(array))
        name = context.get_name(parameter)
        weights[name] = array
        return onnx.TensorProto(name=name, data_type=np_dtype_to_tensor_dtype(array.dtype), dims=array.shape)

    original = export_module.convert_parameter
    export_module.convert_parameter = convert_parameter
    try:
        yield weights
    finally:
        export_module.convert_parameter = original


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
