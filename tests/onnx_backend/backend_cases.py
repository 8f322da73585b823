"""The ONNX backend test cases shipped in the onnx wheel, run through irc and Keras.js.

Groups (onnx/backend/test/data/...):
  pytorch-converted, pytorch-operator: one directory per case, model.onnx and
      test_data_set_N/{input_*.pb, output_*.pb}; input_i feeds the i-th graph input that is
      not an initializer (the tensors carry no names).
  light: light_<name>.onnx, whose weights are all ConstantOfShape 0.02 and whose shipped
      output is a flat softmax: light_weights.py gives them seeded random weights and batch
      norm statistics calibrated on the input, and ONNX Runtime on that model is the expected
      output, for a seeded input.

A case passes if irc matches every expected output within
max|got - expected| <= ATOL * max(1, max|expected|), or if `irc compile` refuses it with an
IrcError (a clean one-line user error). Anything else fails: a crash, an IrcError after
compilation (Keras.js failing, an input irc run cannot feed), a wrong shape or number.

Most pytorch-* cases have a batch of 2 to 20 samples: irc compiles such a model at batch 1
when its samples are independent (irc/frontend/batch.py) and `irc run` feeds it the batch
one sample at a time, so every case runs as shipped: the batch-N model, the batch-N input.
"""

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest_many
from irc.compile import CompileOptions, compile_model
from irc.errors import IrcError
from tests.onnx_backend import light_weights

DATA_DIR = Path(onnx.__file__).resolve().parent / "backend" / "test" / "data"
GROUPS = ("pytorch-converted", "pytorch-operator", "light")
ATOL = 1e-4

MATCHED, REFUSED, FAILED = "matched", "refused cleanly", "failed"
NOT_RUN = "compiled, not run"         # too slow for the default run; IRC_SLOW_TESTS=1 runs it
# Keras.js on the CPU does about 0.25 G multiply-adds per second here, and a run is two
# forward passes (Model.ready() runs one on zeros, then predict()): the light ResNet-50
# (4.1 G) takes 33 s, VGG19 (19.6 G, 548 MB of weights) minutes. By default a compiled model
# runs only under both limits; every case is still compiled.
SLOW_MACS = 1_000_000_000
SLOW_WEIGHT_BYTES = 256 << 20
RUN_SLOW = os.environ.get("IRC_SLOW_TESTS", "") not in ("", "0")
LIGHT_INPUT_SEED = 0


@dataclass
class Case:
    group: str
    name: str
    model_path: Path
    data_sets: list = field(default_factory=list)   # [(input .pb paths, output .pb paths)]; light: none

    @property
    def id(self):
        return f"{self.group}/{self.name}"


@dataclass
class Outcome:
    status: str        # MATCHED, REFUSED, FAILED or NOT_RUN
    detail: str        # the refusal or failure, one line; the error for a match
    stage: str = ""    # where it failed: compile, run, compare


def discover():
    """Every case of the three groups, in a stable order."""
    cases = []
    for group in GROUPS:
        root = DATA_DIR / group
        if not root.is_dir():
            continue
        if group == "light":        # the shipped outputs are not used (see the module docstring)
            cases += [Case(group, model.stem, model) for model in sorted(root.glob("light_*.onnx"))]
            continue
        for case_dir in sorted(p for p in root.iterdir() if (p / "model.onnx").is_file()):
            sets = []
            for data_dir in sorted(case_dir.glob("test_data_set_*"), key=_pb_index):
                sets.append((sorted(data_dir.glob("input_*.pb"), key=_pb_index),
                             sorted(data_dir.glob("output_*.pb"), key=_pb_index)))
            cases.append(Case(group, case_dir.name, case_dir / "model.onnx", sets))
    return cases


def _pb_index(path):
    return int(Path(path).stem.rsplit("_", 1)[-1])


def read_tensor(path):
    tensor = onnx.TensorProto()
    tensor.ParseFromString(Path(path).read_bytes())
    return numpy_helper.to_array(tensor)


def graph_inputs(model):
    inits = {i.name for i in model.graph.initializer}
    return [vi for vi in model.graph.input if vi.name not in inits]


def light_input(vi):
    """A seeded input for a light model's graph input (unknown dims taken as 1)."""
    shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in vi.type.tensor_type.shape.dim)
    return np.random.default_rng(LIGHT_INPUT_SEED).uniform(-1, 1, shape).astype(np.float32)


def source_model(case, work_dir):
    """(path irc compiles, ModelProto, data sets [(feeds, expected array per output)], or None
    for a model only compiled). A light model that will run in Keras.js is re-weighted into
    work_dir; one too slow to run (see _too_slow) is compiled as shipped, since the compile
    needs no real weights and calibrating DenseNet-121 costs a minute of ONNX Runtime."""
    model = onnx.load(str(case.model_path))
    if case.group != "light":
        return case.model_path, model, _shipped_data_sets(case, model)
    if not RUN_SLOW and _too_slow(model):
        return case.model_path, model, None
    model = light_weights.reweighted(model)
    feeds = {vi.name: light_input(vi) for vi in graph_inputs(model)}
    model = light_weights.calibrated(model, feeds)
    path = Path(work_dir) / "model.onnx"
    onnx.save(model, str(path))
    return path, model, [(feeds, light_weights.onnxruntime_session(model)(feeds))]


def _shipped_data_sets(case, model):
    """[(feeds {graph input name: array}, expected [array per graph output])]."""
    inputs = graph_inputs(model)
    sets = []
    for input_paths, output_paths in case.data_sets:
        if len(input_paths) != len(inputs):
            raise AssertionError(f"{len(input_paths)} input files for {len(inputs)} graph inputs")
        feeds = {vi.name: read_tensor(p) for vi, p in zip(inputs, input_paths)}
        sets.append((feeds, [read_tensor(p) for p in output_paths]))
    return sets


def max_error(got, expected):
    """Max abs difference and the allowed bound (absolute, or relative for large outputs)."""
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    both_nan = np.isnan(got) & np.isnan(expected)
    diff = np.where(both_nan, 0.0, np.abs(got - expected))
    err = float(np.nan_to_num(diff, nan=np.inf).max()) if diff.size else 0.0
    scale = float(np.abs(expected[np.isfinite(expected)]).max()) if np.isfinite(expected).any() else 0.0
    return err, ATOL * max(1.0, scale)


def one_line(text):
    lines = str(text).strip().splitlines()
    return lines[0] if len(lines) == 1 else " | ".join(lines[:1] + lines[-1:]) if lines else ""


def _crash(stage, exc):
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    where = f"{os.path.relpath(frame.filename)}:{frame.lineno}"
    return Outcome(FAILED, f"{type(exc).__name__}: {one_line(exc)} (at {where})", stage)


def run_case(case, work_dir):
    """Compile `case` with irc into work_dir, run it in Keras.js, compare. -> Outcome."""
    model_path, model, data_sets = source_model(case, work_dir)
    out_dir = Path(work_dir) / "out"
    compiled = _compile(model_path, out_dir)
    if isinstance(compiled, Outcome):
        return compiled
    too_slow = None if RUN_SLOW else _too_slow(model)
    if too_slow:
        return Outcome(NOT_RUN, f"compiled; Keras.js run skipped: {too_slow} (IRC_SLOW_TESTS=1 runs it)")
    try:
        results = run_manifest_many(out_dir, read_manifest(out_dir), [feeds for feeds, _ in data_sets])
    except Exception as exc:  # noqa: BLE001 - compiled, so it must run (IrcError included)
        return _crash("run", exc)
    return _compare(model, [expected for _, expected in data_sets], results)


def _compile(model_path, out_dir):
    """The KerasModel irc compiled into out_dir, or the Outcome when it did not: REFUSED for
    a one-line IrcError, FAILED for anything else."""
    try:
        compiled, _ = compile_model(model_path, out_dir, CompileOptions(probe=False))
    except IrcError as exc:
        message = str(exc).strip()
        if len(message.splitlines()) != 1:
            return Outcome(FAILED, f"IrcError is not one line: {one_line(message)}", "compile")
        return Outcome(REFUSED, message, "compile")
    except Exception as exc:  # noqa: BLE001 - any other exception is an irc bug
        return _crash("compile", exc)
    return compiled


def _too_slow(model):
    """Why running `model` in Keras.js is too slow for the default run, or None."""
    macs = estimated_macs(model)
    weight_bytes = sum(numpy_helper.to_array(t).nbytes for t in model.graph.initializer
                       if t.data_type == onnx.TensorProto.FLOAT)
    if macs > SLOW_MACS:
        return f"{macs / 1e9:.1f} G multiply-adds (over {SLOW_MACS / 1e9:.1f} G)"
    if weight_bytes > SLOW_WEIGHT_BYTES:
        return f"{weight_bytes / 2**20:.0f} MB of weights (over {SLOW_WEIGHT_BYTES >> 20} MB)"
    return None


def estimated_macs(model):
    """Multiply-adds of the Conv, ConvTranspose, Gemm and MatMul nodes (ONNX shape inference);
    0 for what inference cannot size."""
    try:
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception:  # noqa: BLE001 - an estimate only
        return 0
    shapes = {init.name: list(init.dims) for init in inferred.graph.initializer}
    for vi in [*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output]:
        if vi.type.tensor_type.HasField("shape"):
            shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else 0 for d in vi.type.tensor_type.shape.dim]
    total = 0
    for node in inferred.graph.node:
        if node.op_type not in ("Conv", "ConvTranspose", "Gemm", "MatMul") or len(node.input) < 2:
            continue
        x, w, y = (shapes.get(name, []) for name in (node.input[0], node.input[1], node.output[0]))
        if node.op_type == "Conv":
            total += int(np.prod(y)) * int(np.prod(w[1:]))
        elif node.op_type == "ConvTranspose":
            total += int(np.prod(x)) * int(np.prod(w[1:]))
        elif x:
            total += int(np.prod(y)) * x[-1]
    return total


def _compare(model, expected_list, results):
    """Every output of every data set against its expected array -> Outcome."""
    output_names = [vi.name for vi in model.graph.output]
    worst = 0.0
    for index, (expected, got) in enumerate(zip(expected_list, results)):
        for name, want in zip(output_names, expected):
            if name not in got:
                return Outcome(FAILED, f"output {name} missing from the manifest", "compare")
            have = np.asarray(got[name])
            if have.shape != want.shape:
                return Outcome(FAILED, f"output {name}: shape {list(have.shape)}, expected {list(want.shape)}",
                               f"compare (data set {index})")
            err, bound = max_error(have, want)
            if not err <= bound:
                return Outcome(FAILED, f"output {name}: max abs error {err:.3g} > {bound:.3g}",
                               f"compare (data set {index})")
            worst = max(worst, err)
    batch = len(next(iter(results[0].values()))) if results and results[0] else 1
    return Outcome(MATCHED, f"max abs error {worst:.3g}" + (f" (batch {batch})" if batch > 1 else ""))
