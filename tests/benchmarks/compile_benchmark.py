"""Benchmark: wall time and peak RSS of `irc compile` on the ch=1024 DCGAN generator.

Targets (issue 2): <= 3 s and peak RSS <= 3x the weight bytes. Prints numbers; asserts
nothing (timing is not a test). Run: make bench
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

# Each measured child reports its own peak. ru_maxrss survives exec, so a child forked
# from a large parent would start at the parent's size: the parent stays small (the
# model is written by another child) and never imports chainer.
PEAK = "import resource, sys; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
COMPILE = f"import sys; from irc.cli import main; code = main(sys.argv[1:]); {PEAK}; sys.exit(code)"
# What the compile path imports before it touches a model: the floor under any model.
# The bar the fidelity probe is held to (issue 13): a compile with the probe takes no longer
# than a Keras user waits for `import keras`.
IMPORT_KERAS = "import keras; " + PEAK
IMPORTS = ("import numpy, networkx, onnx, chainer, irc.compile; "
           "from irc.frontend import onnx_mapping_shim; onnx_mapping_shim.install(); import onnx_chainer; " + PEAK)


def measure(code, *args):
    """-> (seconds, peak RSS in MB) of a fresh Python running `code`."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return seconds, int(proc.stderr.strip().splitlines()[-1]) / 1024


def tensorflow_imported(npz, out):
    code = ("import sys; from irc.cli import main; main(['compile', sys.argv[1], '-o', sys.argv[2]]); "
            "print('yes' if {'tensorflow', 'keras'} & set(sys.modules) else 'no')")
    proc = subprocess.run([sys.executable, "-c", code, str(npz), str(out)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return proc.stdout.strip().splitlines()[-1]


def main(ch=1024, runs=3):
    with tempfile.TemporaryDirectory() as tmp:
        npz, out = Path(tmp) / f"gen{ch}.npz", Path(tmp) / "out"
        subprocess.run([sys.executable, "-c", "import sys; from tests.chainer_models import save_random_generator; "
                        "save_random_generator(sys.argv[1], int(sys.argv[2]))", str(npz), str(ch)],
                       cwd=ROOT, check=True)
        with np.load(npz) as weights:
            weight_mb = sum(weights[k].nbytes for k in weights.files if not k.endswith("/N")) / 1e6
        _, imports_mb = measure(IMPORTS)
        results = [measure(COMPILE, "compile", str(npz), "-o", str(out), "--force", "--no-probe")
                   for _ in range(runs)]
        times = sorted(seconds for seconds, _ in results)
        peak_mb = max(peak for _, peak in results)
        probed, keras_import = _alternated(lambda: measure(COMPILE, "compile", str(npz), "-o", str(out), "--force")[0],
                                           lambda: measure(IMPORT_KERAS)[0], runs)
        print(f"irc compile, DCGAN generator ch={ch}: {weight_mb:.1f} MB of float32 weights")
        print(f"  wall time of the whole command, --no-probe ({runs} runs): best {times[0]:.2f} s, "
              f"median {times[runs // 2]:.2f} s   (target <= 3 s)")
        print(f"  with the default fidelity probe (model.bin run once in Keras.js under Node): "
              f"median {probed[runs // 2]:.2f} s; `python -c \"import keras\"` alternated with it: median "
              f"{keras_import[runs // 2]:.2f} s   (target: the compile with the probe <= the import; "
              f"{probed[runs // 2] / keras_import[runs // 2]:.2f}x)")
        print(f"  peak RSS: {peak_mb:.0f} MB = {peak_mb / weight_mb:.2f}x the weights   (target <= 3x)")
        print(f"    the interpreter and its imports (numpy, onnx, chainer, irc) alone: {imports_mb:.0f} MB")
        print(f"    above that, due to the model: {peak_mb - imports_mb:.0f} MB = "
              f"{(peak_mb - imports_mb) / weight_mb:.2f}x the weights")
        print(f"  model.bin: {(out / 'model.bin').stat().st_size / 1e6:.1f} MB")
        print(f"  TensorFlow imported on this path: {tensorflow_imported(npz, Path(tmp) / 'out2')}")


def _alternated(first, second, runs):
    """Both measured in alternating order (this machine's speed drifts): -> (sorted, sorted)."""
    pairs = [(first(), second()) if i % 2 == 0 else tuple(reversed((second(), first()))) for i in range(runs)]
    return sorted(a for a, _ in pairs), sorted(b for _, b in pairs)


if __name__ == "__main__":
    main()
