"""The ONNX backend test cases shipped in the onnx wheel, run through irc and Keras.js.

Groups (onnx/backend/test/data/...):
  pytorch-converted, pytorch-operator: one directory per case, model.onnx and
      test_data_set_N/{input_*.pb, output_*.pb}; input_i feeds the i-th graph input that is
      not an initializer (the tensors carry no names).
  light: light_<name>.onnx + light_<name>_output_0.pb and no input file; ONNX's own runner
      (onnx.backend.test.runner, generate_dummy_data with random=False) feeds every float
      input arange(n).reshape(shape) / n, with unknown dims taken as 1. We do the same.

A case passes if irc matches every expected output within
max|got - expected| <= ATOL * max(1, max|expected|), or if `irc compile` refuses it with an
IrcError (a clean one-line user error). Anything else fails: a crash, an IrcError after
compilation (Keras.js failing, an input irc run cannot feed), a wrong shape or number.

Most cases have a batch of 2 to 20 samples, which irc refuses (Keras.js runs one sample).
run_case_per_sample also runs those: the model with batch 1 on each sample separately,
against that sample's slice of the expected output. That holds only when the model treats
axis 0 as a batch of independent samples: a reference (ONNX Runtime, or onnx's reference
evaluator for opsets ORT lacks) checks this first on the batch-1 model; a model that mixes
samples, or fixes the batch size in a constant, is "not separable" and not run.
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
NOT_SEPARABLE = "not separable"       # per-sample mode only: the samples are not independent


@dataclass
class Case:
    group: str
    name: str
    model_path: Path
    data_sets: list = field(default_factory=list)   # [(input .pb paths, output .pb paths)]

    @property
    def id(self):
        return f"{self.group}/{self.name}"


@dataclass
class Outcome:
    status: str        # MATCHED, REFUSED, FAILED, NOT_RUN or NOT_SEPARABLE
    detail: str        # the refusal or failure, one line; the error for a match
    stage: str = ""    # where it failed: compile, run, compare


def discover():
    """Every case of the three groups, in a stable order."""
    cases = []
    for group in GROUPS:
        root = DATA_DIR / group
        if not root.is_dir():
            continue
        if group == "light":
            for model in sorted(root.glob("light_*.onnx")):
                name = model.stem
                outputs = sorted(root.glob(f"{name}_output_*.pb"), key=_pb_index)
                cases.append(Case(group, name, model, [(None, outputs)]))
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


def dummy_input(vi):
    """onnx.backend.test.runner.Runner.generate_dummy_data(random=False)."""
    shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in vi.type.tensor_type.shape.dim)
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) / n).astype(np.float32)


def load_data_sets(case, model):
    """[(feeds {graph input name: array}, expected [array per graph output])]."""
    inputs = graph_inputs(model)
    sets = []
    for input_paths, output_paths in case.data_sets:
        if input_paths is None:
            feeds = {vi.name: dummy_input(vi) for vi in inputs}
        else:
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
    model = onnx.load(str(case.model_path))
    data_sets = load_data_sets(case, model)
    out_dir = Path(work_dir) / "out"
    compiled = _compile(case.model_path, out_dir)
    if isinstance(compiled, Outcome):
        return compiled
    too_slow = None if RUN_SLOW else _too_slow(model, compiled)
    if too_slow:
        return Outcome(NOT_RUN, f"compiled; Keras.js run skipped: {too_slow} (IRC_SLOW_TESTS=1 runs it)")
    try:
        results = run_manifest_many(out_dir, read_manifest(out_dir), [feeds for feeds, _ in data_sets])
    except Exception as exc:  # noqa: BLE001 - compiled, so it must run (IrcError included)
        return _crash("run", exc)
    return _compare(model, [expected for _, expected in data_sets], results, "data set")


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


def _too_slow(model, compiled):
    """Why running `compiled` in Keras.js is too slow for the default run, or None."""
    macs = estimated_macs(model)
    weight_bytes = sum(array.nbytes for layer in compiled.layers for _, array in layer.weights)
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


def _compare(model, expected_list, results, what):
    """Every output of every run against its expected array -> Outcome."""
    output_names = [vi.name for vi in model.graph.output]
    worst = 0.0
    for index, (expected, got) in enumerate(zip(expected_list, results)):
        for name, want in zip(output_names, expected):
            if name not in got:
                return Outcome(FAILED, f"output {name} missing from the manifest", "compare")
            have = np.asarray(got[name])
            if have.shape != want.shape:
                return Outcome(FAILED, f"output {name}: shape {list(have.shape)}, expected {list(want.shape)}",
                               f"compare ({what} {index})")
            err, bound = max_error(have, want)
            if not err <= bound:
                return Outcome(FAILED, f"output {name}: max abs error {err:.3g} > {bound:.3g}",
                               f"compare ({what} {index})")
            worst = max(worst, err)
    runs = f" over {len(results)} {what}s" if what == "sample" else ""
    return Outcome(MATCHED, f"max abs error {worst:.3g}{runs}")


# ---- per sample: the batch > 1 cases, one sample at a time at batch 1 -------------------------
def batch_size(case):
    """N if every input and expected output of the case has rank >= 2 and batch N > 1, else None."""
    if not case.data_sets or case.data_sets[0][0] is None:
        return None
    input_paths, output_paths = case.data_sets[0]
    shapes = [_tensor_shape(p) for p in [*input_paths, *output_paths]]
    if not input_paths or any(len(shape) < 2 for shape in shapes):
        return None
    batches = {shape[0] for shape in shapes}
    return batches.pop() if len(batches) == 1 and min(batches) > 1 else None


def _tensor_shape(path):
    tensor = onnx.TensorProto()
    tensor.ParseFromString(Path(path).read_bytes())
    return tuple(tensor.dims)


def with_batch_one(model):
    """A copy of `model` whose graph inputs and outputs have batch 1 (and no stale value_info)."""
    result = onnx.ModelProto()
    result.CopyFrom(model)
    inits = {i.name for i in result.graph.initializer}
    for vi in [*result.graph.input, *result.graph.output]:
        if vi.name in inits or not vi.type.tensor_type.HasField("shape"):
            continue
        dims = vi.type.tensor_type.shape.dim
        if len(dims):
            dims[0].Clear()
            dims[0].dim_value = 1
    del result.graph.value_info[:]
    return result


def _samples(data_sets):
    """[(feeds, expected)] for each sample of each data set, each with batch 1."""
    return [({name: x[i:i + 1] for name, x in feeds.items()}, [y[i:i + 1] for y in expected])
            for feeds, expected in data_sets for i in range(len(next(iter(feeds.values()))))]


def _reference_agrees(model, samples):
    """None if a reference, running `model` sample by sample, reproduces every expected slice;
    else why not. ONNX Runtime first; onnx's own reference evaluator for what ORT does not
    run (ORT has no kernels for opsets below 7, which most pytorch-* cases use)."""
    try:
        run = _onnxruntime_session(model)
    except Exception:  # noqa: BLE001
        run = _reference_evaluator(model)
    try:
        for feeds, expected in samples:
            for got, want in zip(run(feeds), expected):
                if np.shape(got) != want.shape:
                    return f"at batch 1 the model gives shape {list(np.shape(got))}, expected {list(want.shape)}"
                err, bound = max_error(got, want)
                if not err <= bound:
                    return f"at batch 1 the model differs from the batched result by {err:.3g}"
    except Exception as exc:  # noqa: BLE001 - no reference runs the batch-1 model: not separable
        return f"the model does not run at batch 1 ({type(exc).__name__}: {one_line(exc)[:200]})"
    return None


def _onnxruntime_session(model):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.log_severity_level = 4
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return lambda feeds: session.run(None, feeds)


def _reference_evaluator(model):
    from onnx.reference import ReferenceEvaluator
    evaluator = ReferenceEvaluator(model)
    return lambda feeds: evaluator.run(None, feeds)


def run_case_per_sample(case, work_dir):
    """Like run_case, on each sample of a batch > 1 case with the model set to batch 1."""
    source = onnx.load(str(case.model_path))
    model = with_batch_one(source)
    samples = _samples(load_data_sets(case, source))
    why_not = _reference_agrees(model, samples)
    if why_not:
        return Outcome(NOT_SEPARABLE, why_not)
    model_path = Path(work_dir) / "model.onnx"
    onnx.save(model, str(model_path))
    out_dir = Path(work_dir) / "out"
    compiled = _compile(model_path, out_dir)
    if isinstance(compiled, Outcome):
        return compiled
    try:
        results = run_manifest_many(out_dir, read_manifest(out_dir), [feeds for feeds, _ in samples])
    except Exception as exc:  # noqa: BLE001
        return _crash("run", exc)
    return _compare(model, [expected for _, expected in samples], results, "sample")
