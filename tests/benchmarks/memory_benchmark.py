"""Benchmark: peak RSS of `irc compile` on a ~200 MB model, against the model's size.

Two models of ~204 MB of float32 weights: the Chainer DCGAN generator with ch=2048 (gen.npz),
and the same architecture as an ONNX file. Each compile (--no-probe) runs in a fresh Python
whose peak RSS (ru_maxrss) is the number; the stage table shows the peak so far and the
current RSS after each compile stage and pass; the stages that raised the peak are printed.
Target (issue 7): the whole peak under 3x the model's size. Prints numbers; asserts nothing.

Run: make bench, or .venv/bin/python tests/benchmarks/memory_benchmark.py [--ch 2048]
"""

import argparse
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

# The child: wrap each compile stage so it reports its RSS; the parent stays small (it never
# imports chainer or loads the model: ru_maxrss would be inherited by a forked child).
STAGES = """
import resource, sys
import irc.build as B
import irc.compile as C
import irc.frontend.source as S
import passes.pipeline as P

def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 1e6

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6     # KiB -> MB

def report(stage):
    print(f"STAGE {stage} {peak_mb():.0f} {rss_mb():.0f}", file=sys.stderr)

def wrap(owner, name, stage):    # report after owner.name (a module attribute or a dict key) returns
    is_dict = isinstance(owner, dict)
    inner = owner[name] if is_dict else getattr(owner, name)
    def wrapped(*args, **kwargs):
        result = inner(*args, **kwargs)
        report(stage)
        return result
    if is_dict:
        owner[name] = wrapped
    else:
        setattr(owner, name, wrapped)

report("imports")
for module, name, stage in [(S, "_from_chainer", "load the source (Chainer: build, load npz, export)"),
                            (S, "_from_onnx", "load the source (onnx.load)"),
                            (B, "import_onnx", "import ONNX into the IR"),
                            (P, "run_pipeline", "passes"), (C, "lower", "lower to Keras layers"),
                            (C, "_emit", "write model.bin")]:
    wrap(module, name, stage)
from passes.registry import PASSES
for name in list(PASSES):
    wrap(PASSES, name, f"pass {name}")
from irc.cli import main
code = main(sys.argv[1:])
report("end")
sys.exit(code)
"""


def make_chainer_model(path, ch):
    code = ("import sys; from tests.chainer_models import save_random_generator; "
            "save_random_generator(sys.argv[1], int(sys.argv[2]))")
    subprocess.run([sys.executable, "-c", code, str(path), str(ch)], cwd=ROOT, check=True)


def make_onnx_model(path, ch):
    """The DCGAN generator's graph as ONNX (Gemm, BatchNormalization, Reshape, ConvTranspose)."""
    code = ("import sys; from tests.benchmarks.memory_benchmark import write_onnx_generator; "
            "write_onnx_generator(sys.argv[1], int(sys.argv[2]))")
    subprocess.run([sys.executable, "-c", code, str(path), str(ch)], cwd=ROOT, check=True)


def write_onnx_generator(path, ch, n_hidden=100, bottom=4):
    from tests.onnx_models import OnnxBuilder, batch_norm_params
    b = OnnxBuilder((1, n_hidden))
    h = b.node("Gemm", ["x", b.weight(n_hidden, bottom * bottom * ch), b.weight(bottom * bottom * ch)])
    h = b.node("Relu", [b.node("BatchNormalization", [h] + batch_norm_params(b, bottom * bottom * ch))])
    h = b.node("Reshape", [h, b.const(np.array([1, ch, bottom, bottom], np.int64))])
    for c_in, c_out, k, s, p in [(ch, ch // 2, 4, 2, 1), (ch // 2, ch // 4, 4, 2, 1), (ch // 4, ch // 8, 4, 2, 1)]:
        h = b.node("ConvTranspose", [h, b.weight(c_in, c_out, k, k), b.weight(c_out)], strides=[s, s],
                   pads=[p] * 4)
        h = b.node("Relu", [b.node("BatchNormalization", [h] + batch_norm_params(b, c_out))])
    h = b.node("ConvTranspose", [h, b.weight(ch // 8, 3, 3, 3), b.weight(3)], pads=[1] * 4)
    Path(path).write_bytes(b.model([b.node("Sigmoid", [h])]).SerializeToString())


def measure(model, out, *args):
    """-> [(stage, peak MB so far, current MB)] of one compile in a fresh Python."""
    proc = subprocess.run([sys.executable, "-c", STAGES, "compile", str(model), "-o", str(out), "--force",
                           "--no-probe", *args], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    stages = [line.split()[1:] for line in proc.stderr.splitlines() if line.startswith("STAGE ")]
    return [(" ".join(s[:-2]).replace("pass ", "  pass "), float(s[-2]), float(s[-1])) for s in stages]


def weight_mb(model):
    if model.suffix == ".npz":
        # From the .npy headers: loading the arrays would raise this process's ru_maxrss,
        # which the next child inherits. The batch norms' N counters are not weights.
        from irc.frontend.chainer_frontend import npz_headers
        return sum(math.prod(shape) * dtype.itemsize for name, (shape, dtype) in npz_headers(model).items()
                   if not name.endswith("/N")) / 1e6
    return model.stat().st_size / 1e6


def print_run(title, model, stages):
    size = weight_mb(model)
    peak = stages[-1][1]
    print(f"{title}: {size:.0f} MB of float32 weights ({model.name}, {model.stat().st_size / 1e6:.0f} MB file)")
    print(f"  peak RSS {peak:.0f} MB = {peak / size:.2f}x the model   (target < 3x)")
    print(f"  Python with irc imported: {stages[0][1]:.0f} MB (Chainer, when used, is imported later)")
    print(f"  {'stages that raised the peak':52s} {'peak so far':>12s} {'RSS after':>9s}")
    previous = 0
    for stage, peak_so_far, now in stages:
        if peak_so_far > previous + 1 or stage == "end":
            print(f"  {stage:52s} {peak_so_far:9.0f} MB {now:6.0f} MB")
        previous = peak_so_far


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ch", type=int, default=2048, help="generator width (2048: ~204 MB of weights)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        npz, onnx_file = tmp / f"gen{args.ch}.npz", tmp / f"gen{args.ch}.onnx"
        make_chainer_model(npz, args.ch)
        print_run(f"irc compile, Chainer DCGAN generator ch={args.ch}", npz, measure(npz, tmp / "out"))
        npz.unlink()
        make_onnx_model(onnx_file, args.ch)
        print_run("irc compile, the same generator as ONNX", onnx_file, measure(onnx_file, tmp / "out"))


if __name__ == "__main__":
    main()
