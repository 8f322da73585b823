"""PyTorch front end: a torch.nn.Module class (FILE.py:CLASS, optionally with a state dict) or
a TorchScript archive -> ONNX ModelProto, through torch.onnx, in memory.

The architecture file is Python and runs as such (so does a TorchScript archive's code).
State dicts are read with torch.load(weights_only=True), which refuses pickled objects.
torch is imported here only, when a PyTorch model is compiled: importing irc does not.

Both of torch's exporters are supported (--exporter):
- torchscript (torch.onnx.export(dynamo=False)): traces the forward pass; default, because it
  runs any Python forward that tracing can record, takes ~0.05 s and needs no package beyond
  torch. It deduplicates equal initializers into Identity nodes, which are resolved here.
- dynamo (dynamo=True): torch.export + onnxscript; ~2 s per export plus onnxscript's import,
  readable names, batch norm folded into the preceding convolution by its optimizer; fails
  on forward passes torch.export cannot capture (data-dependent control flow).
"""

import ast
import contextlib
import importlib.util
import inspect
import io
import logging
import os
import re
import sys
import warnings
from pathlib import Path

import numpy as np

from irc import user_code
from irc.errors import IrcError
from irc.frontend.batch_statistics import refuse_torch_batch_statistics
from irc.frontend.chainer_frontend import Probe
from irc.frontend.probe_inputs import PROBE_SEED, TRACE_SEED, seeded_input
from irc.frontend.tensor_names import rename_tensors, unique
from irc.frontend.weight_checks import note_casts, refuse_non_float, refuse_nonfinite
from irc.user_code import short

EXPORTERS = ("torchscript", "dynamo")
DEFAULT_EXPORTER = "torchscript"
TORCH_PIN = "torch==2.13.0"
ONNXSCRIPT_PIN = "onnxscript==0.7.2"
# Parameters and buffers a state dict may leave out: inference does not read them.
OPTIONAL_KEYS = ("num_batches_tracked",)


def is_class_spec(text):
    """'net.py:Model' (a file and a class) rather than a path."""
    file_name, sep, class_name = str(text).rpartition(":")
    return bool(sep) and file_name.endswith(".py") and class_name.isidentifier()


def import_torch():
    try:
        import torch
    except ImportError:
        raise IrcError(f"PyTorch models need torch, which is not installed: pip install {TORCH_PIN} "
                       "(in irc's venv beside Chainer: make setup, which installs it with --no-deps)") from None
    return torch


# ---- the model ---------------------------------------------------------------------------
def load_class(spec):
    """'path/to/net.py:Model' -> the class, the file imported as a module (user code)."""
    return user_code.load_class(spec, str(spec), "irc_torch")


def build_model(spec, arch_args):
    torch = import_torch()
    cls = load_class(spec)
    try:
        model = cls(**(arch_args or {}))
    except Exception as exc:
        raise IrcError(f"{spec}: {getattr(cls, '__name__', cls)}(**{arch_args or {}}) raised "
                       f"{type(exc).__name__}: {short(exc)}") from None
    if not isinstance(model, torch.nn.Module):
        raise IrcError(f"{spec}: {type(model).__name__} is not a torch.nn.Module")
    return model


def load_state_dict(path):
    """{key: tensor} from a torch.save file, read with weights_only=True (no pickled objects)."""
    torch = import_torch()
    path = Path(path)
    if not path.is_file():
        raise IrcError(f"{path}: no such file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise IrcError(f"{path}: {_load_failure(exc)}") from None
    if isinstance(state, dict):
        for key in ("state_dict", "model_state_dict"):     # a training checkpoint
            if isinstance(state.get(key), dict):
                state = state[key]
                break
    if not isinstance(state, dict) or not state:
        raise IrcError(f"{path}: expected a state dict (torch.save(model.state_dict(), ...)), "
                       f"found {type(state).__name__}" + (" (empty)" if isinstance(state, dict) else ""))
    not_tensors = sorted(str(k) for k, v in state.items() if not isinstance(v, torch.Tensor))
    if not_tensors:
        raise IrcError(f"{path}: not a state dict: {', '.join(not_tensors[:8])} "
                       f"{'is' if len(not_tensors) == 1 else 'are'} not tensors")
    return state


def _load_failure(exc):
    text = str(exc)
    found = re.search(r"Unsupported global: GLOBAL (\S+)", text)
    if found:
        return (f"holds a pickled Python object ({found.group(1)}), which irc does not load "
                "(torch.load with weights_only=True); save the state dict: torch.save(model.state_dict(), path)")
    # Not a zip: torch.load falls back to its legacy pickle format and fails on any other bytes.
    if "Weights only load failed" in text or "PytorchStreamReader" in text or isinstance(exc, (EOFError, KeyError)):
        return "not a PyTorch weights file (torch.save of a state dict)"
    return f"cannot be read by torch.load ({type(exc).__name__}: {short(exc)})"


def check_state_dict_fits(model, state, weights_path):
    """Compare the state dict with the model's own; list every missing, unexpected and mis-shaped key."""
    want = model.state_dict()
    missing = sorted(k for k in set(want) - set(state) if not k.endswith(OPTIONAL_KEYS))
    unexpected = sorted(set(state) - set(want))
    misshaped = sorted(f"{k} {list(state[k].shape)} (model: {list(want[k].shape)})"
                       for k in set(want) & set(state) if tuple(state[k].shape) != tuple(want[k].shape))
    problems = [f"{label}: {', '.join(items)}" for label, items in
                (("missing", missing), ("unexpected", unexpected), ("mis-shaped", misshaped)) if items]
    if problems:
        raise IrcError(f"{weights_path} does not fit {type(model).__name__}: " + "; ".join(problems))


def load_torch_model(spec, weights=None, arch_args=None):
    """FILE.py:CLASS built with arch_args, the state dict at `weights` loaded, in eval mode."""
    model = build_model(spec, arch_args)
    if weights is not None:
        state = load_state_dict(weights)
        check_state_dict_fits(model, state, weights)
        check_dtypes(model, state, weights)
        try:
            model.load_state_dict(state, strict=False)
        except Exception as exc:
            raise IrcError(f"{weights}: loading it into {type(model).__name__} failed: "
                           f"{type(exc).__name__}: {short(exc)}") from None
        check_finite(model, state, weights)
    return model.eval()


def check_dtypes(model, state, weights_path):
    """Integer tensors where the model has floating-point ones are refused (other float
    precisions are cast by load_state_dict, and check_finite notes it)."""
    refuse_non_float(weights_path, _dtypes(state), _dtypes(model.state_dict()), _is_float)


def _dtypes(state):
    return {k: v.dtype for k, v in state.items()}


def _is_float(dtype):
    return dtype.is_floating_point


def check_finite(model, state, weights_path):
    """The loaded values (after any cast to the model's precision) are finite."""
    for name, tensor in model.state_dict().items():
        if name in state and tensor.is_floating_point():
            refuse_nonfinite(f"{weights_path}: ", name, tensor.detach().float().numpy())
    note_casts(weights_path, _dtypes(state), _dtypes(model.state_dict()), _is_float)


def load_torchscript(path):
    """A TorchScript archive (torch.jit.save), in eval mode."""
    torch = import_torch()
    try:
        model = torch.jit.load(str(path), map_location="cpu")
    except Exception:
        raise IrcError(f"{path}: not a TorchScript archive (torch.jit.save); for a state dict give its "
                       f"architecture: irc compile FILE.py:CLASS --weights {Path(path).name}") from None
    return model.eval()


# ---- export ------------------------------------------------------------------------------
def export_onnx(model, input_shape, exporter, source):
    """Export the model to ONNX with `exporter`, traced on one seeded input.

    -> (ModelProto with its weights, Probe: another seeded input and torch's output for it).
    """
    torch = import_torch()
    if exporter not in EXPORTERS:
        raise IrcError(f"--exporter {exporter}: expected one of {', '.join(EXPORTERS)}")
    name = type(model).__name__ if not hasattr(model, "original_name") else model.original_name
    refuse_torch_batch_statistics(model, source)
    x, x_probe = seeded_input(input_shape, TRACE_SEED), seeded_input(input_shape, PROBE_SEED)
    try:
        with torch.no_grad():
            result = model(torch.from_numpy(x_probe.copy()))      # a copy: forward may work in place
    except Exception as exc:    # user code runs in the forward pass
        raise IrcError(f"{source}: running {name} on input {list(input_shape)} failed: "
                       f"{type(exc).__name__}: {short(exc)}") from None
    outputs = _flatten_outputs(result, source, name)
    input_name = _input_name(model)
    if exporter == "dynamo" and isinstance(model, torch.jit.ScriptModule):
        raise IrcError(f"{source}: the dynamo exporter cannot export a TorchScript archive (torch.export "
                       "needs the Python module): use --exporter torchscript, or give FILE.py:CLASS")
    try:
        with _quiet_export() as tracer_warnings:
            proto = (_export_dynamo if exporter == "dynamo" else _export_torchscript)(
                torch, model, torch.from_numpy(x.copy()), input_name)
    except IrcError:
        raise
    except Exception as exc:
        other = "dynamo" if exporter == "torchscript" else "torchscript"
        raise IrcError(f"{source}: torch.onnx.export of {name} with the {exporter} exporter failed: "
                       f"{_root_cause(exc)} (try --exporter {other})") from None
    for text in tracer_warnings:
        print(f"irc: warning: {source}: the torchscript exporter recorded {name} on the traced input only, "
              f"and says: {text}", file=sys.stderr)
    if len(proto.graph.output) != len(outputs):
        raise IrcError(f"{source}: the {exporter} export of {name} has {len(proto.graph.output)} outputs, "
                       f"the model returned {len(outputs)}")
    _resolve_constant_identities(proto)
    import onnx
    # The exporters stamp their own IR version (10 for dynamo); ONNX Runtime here takes
    # IR <= 13, and the lowest IR version that carries the opset is exact.
    proto.ir_version = onnx.helper.find_min_ir_version_for(list(proto.opset_import))
    readable_names(proto, input_name)
    probe = Probe({proto.graph.input[0].name: x_probe},
                  {vi.name: y for vi, y in zip(proto.graph.output, outputs)})
    return proto, probe


def _export_torchscript(torch, model, x, input_name):
    import onnx
    buffer = io.BytesIO()
    torch.onnx.export(model, (x,), buffer, dynamo=False, input_names=[input_name], do_constant_folding=True)
    return onnx.load_from_string(buffer.getvalue())


def _export_dynamo(torch, model, x, input_name):
    if importlib.util.find_spec("onnxscript") is None:
        raise IrcError(f"--exporter dynamo needs onnxscript, which is not installed: pip install {ONNXSCRIPT_PIN}")
    program = torch.onnx.export(model, (x,), dynamo=True, input_names=[input_name], verbose=False,
                                optimize=True, report=False, dump_exported_program=False)
    return program.model_proto


@contextlib.contextmanager
def _quiet_export():
    """The exporters print progress, warnings (TorchScript's deprecation), log lines
    (onnxscript's skipped torchvision ops) and, when torch.export fails, whole graphs: irc's
    output stays its own. Yields the list of the tracer's warnings that the trace may
    not generalise (a Python branch on a tensor's value), one line each, set on exit."""
    import torch
    loggers = [logging.getLogger(n) for n in ("torch", "torch.onnx", "torch.export", "torch.fx")]
    levels = [lg.level for lg in loggers]
    found = []
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings(record=True) as caught, _silenced_file_descriptors(), \
                contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("always", torch.jit.TracerWarning)
            yield found
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
    found.extend(dict.fromkeys(short(w.message).split(". ")[0] for w in caught
                               if issubclass(w.category, torch.jit.TracerWarning)))


@contextlib.contextmanager
def _silenced_file_descriptors():
    """torch's C++ side writes to file descriptors 1 and 2 directly (the whole TorchScript
    graph when the torchscript exporter fails), past sys.stdout and sys.stderr."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
            yield
    finally:
        for fd, copy in zip((1, 2), saved):
            os.dup2(copy, fd)
            os.close(copy)


def _root_cause(exc):
    """torch.onnx wraps the real failure (TorchExportError: 'Failed to export...') around it."""
    while (exc.__cause__ or exc.__context__) is not None:
        exc = exc.__cause__ or exc.__context__
    return f"{type(exc).__name__}: {short(exc)}"


def _flatten_outputs(result, source, name):
    import torch
    if isinstance(result, torch.Tensor):
        result = [result]
    elif isinstance(result, dict):
        result = list(result.values())
    if not isinstance(result, (list, tuple)) or not all(isinstance(r, torch.Tensor) for r in result):
        raise IrcError(f"{source}: {name} returned {type(result).__name__}; irc compiles models "
                       "returning a tensor or a tuple of tensors")
    return [r.detach().cpu().numpy().astype(np.float32, copy=False) for r in result]


def _input_name(model):
    """The forward pass's parameter name ('z', 'x', 'input'), for the graph input."""
    try:
        if hasattr(model.forward, "schema"):           # TorchScript
            names = [a.name for a in model.forward.schema.arguments if a.name != "self"]
        else:
            names = list(inspect.signature(model.forward).parameters)
    except (TypeError, ValueError, AttributeError):
        names = []
    return names[0] if names and names[0].isidentifier() else "x"


def _resolve_constant_identities(proto):
    """The TorchScript exporter stores equal initializers once (a BN's weight and running_var
    of ones, equal zero biases) and recreates the others as Identity(initializer): let the
    users read the initializer itself, and drop those nodes."""
    graph = proto.graph
    consts = {t.name for t in graph.initializer}
    alias = {}
    for node in graph.node:
        if node.op_type == "Identity" and node.domain in ("", "ai.onnx") and \
                alias.get(node.input[0], node.input[0]) in consts:
            alias[node.output[0]] = alias.get(node.input[0], node.input[0])
    if not alias:
        return
    kept = [n for n in graph.node if not (n.op_type == "Identity" and n.output[0] in alias)]
    for node in kept:
        node.input[:] = [alias.get(i, i) for i in node.input]
    del graph.node[:]
    graph.node.extend(kept)
    outputs = {o.name for o in graph.output}
    for name in set(alias) & outputs:      # a constant graph output: keep its Identity
        graph.node.append(_identity(alias[name], name))


def _identity(src, dst):
    import onnx
    return onnx.helper.make_node("Identity", [src], [dst], name=dst)


# ---- names -------------------------------------------------------------------------------
_ROLES = {"Conv": ("", "weight", "bias"), "ConvTranspose": ("", "weight", "bias"),
          "Gemm": ("", "", "bias"), "MatMul": ("", "weight"),
          "BatchNormalization": ("", "weight", "bias", "running_mean", "running_var")}


def readable_names(proto, input_name):
    """Rename (in place) the exporters' tensors after the modules that compute them: the input
    after forward's parameter, a result after its module's qualified name ('main.3',
    'conv1'; an op outside any submodule after the op: 'add'), a weight the exporter made
    up ('onnx::Conv_21', a folded batch norm) after its module and role ('conv1.weight').
    State-dict names stay. ONNX node names stay as exported, so messages still point there."""
    graph = proto.graph
    consts = {t.name for t in graph.initializer}
    names = {graph.input[0].name: input_name} if len(graph.input) else {}
    taken = set(consts) | {input_name}
    for node in graph.node:
        base = _module_of(node)
        for output in node.output:
            names[output] = unique(base, taken)
        roles = _ROLES.get(node.op_type, ())
        for i, name in enumerate(node.input):
            if name in consts and name not in names and "::" in name:
                role = roles[i] if i < len(roles) and roles[i] else f"const{i}"
                names[name] = unique(f"{base}.{role}", taken)
    rename_tensors(proto, names)
    return names


def _module_of(node):
    """The module path of a node: the dynamo exporter's name_scopes metadata
    (['', 'main', 'main.3', 'relu_1']), or the TorchScript exporter's node name
    ('/main/main.3/Relu')."""
    scopes = None
    for prop in node.metadata_props:
        if prop.key == "pkg.torch.onnx.name_scopes":
            with contextlib.suppress(ValueError, SyntaxError):
                scopes = [s for s in ast.literal_eval(prop.value) if s]
    if scopes is None and node.name.startswith("/"):
        scopes = [s for s in node.name.split("/") if s]
        if scopes:
            scopes[-1] = node.op_type.lower()
    if not scopes:
        return node.op_type.lower()
    return scopes[-2] if len(scopes) > 1 else scopes[-1]
