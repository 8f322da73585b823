"""Benchmark: what the optimisation passes buy at run time. Node Keras.js time per run of the
ch=512 DCGAN generator compiled optimized (the default) and with --no-optimize: one warm-up
run, then the median of RUNS, in one Node process per model. Prints numbers; asserts nothing
(tests/e2e/test_optimize.py checks the layers and the outputs). Run: make bench."""

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

RUNS = 5


def main():
    from irc.bundle.manifest import read_manifest
    from irc.cli import main as irc
    from irc.targets.kerasjs.runtime import run_model_bin_many
    from tests.chainer_models import save_random_generator

    with tempfile.TemporaryDirectory(prefix="irc-optimize-bench-") as tmp:
        tmp = Path(tmp)
        save_random_generator(tmp / "gen.npz", 512, seed=5)
        z = np.random.RandomState(0).uniform(-1, 1, (1, 1, 100)).astype(np.float32)
        timings = {}
        for name, flags in (("optimized", []), ("naive", ["--no-optimize"])):
            out = tmp / name
            assert irc(["compile", str(tmp / "gen.npz"), "-o", str(out), "--no-probe", *flags]) == 0
            feeds = {read_manifest(out)["inputs"][0]["name"]: z}
            runs = run_model_bin_many(out / "model.bin", [feeds] * (RUNS + 1))
            timings[name] = float(np.median([r["timing_ms"] for r in runs[1:]]))
    print(f"Keras.js (Node) ch=512 generator, median of {RUNS} runs: optimized {timings['optimized']:.1f} ms, "
          f"naive {timings['naive']:.1f} ms, naive/optimized = {timings['naive'] / timings['optimized']:.2f}x")


if __name__ == "__main__":
    main()
