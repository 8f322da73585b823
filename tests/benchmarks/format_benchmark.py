"""Benchmark: every registered target (irc.targets.TARGETS), in float32 and in each --quantize
mode it stores, on the ch=1024 DCGAN generator: bytes written, error against Chainer, time.

For each (target, quantization) two fresh Pythons run: `irc compile --no-probe` timed as a
whole command (interpreter start and imports included, TensorFlow's for targets that need
it), then compile_model with the probe, whose per-target ProbeResult gives the output error
(max abs and PSNR against Chainer on the probe input). A target that fails shows its error in
its row. Prints numbers; asserts nothing. Run: make bench (after compile_benchmark.py).
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

COMPILE = "import sys; from irc.cli import main; sys.exit(main(sys.argv[1:]))"
PROBE = """
import json, sys
from irc.compile import CompileOptions, compile_model
npz, out, target, mode = sys.argv[1:]
_, fidelity = compile_model(npz, out, CompileOptions(targets=[target], quantize=mode or None, force=True))
(probe,) = fidelity
entry = json.load(open(f"{out}/manifest.json"))["targets"][target]
errors = probe.errors or {}
print(json.dumps({"bytes": entry["bytes"], "files": entry["files"], "skipped": probe.skipped, "reference": probe.reference,
                  "max_abs": max((e.max_abs for e in errors.values()), default=None),
                  "psnr": min((e.psnr for e in errors.values() if e.psnr is not None), default=None)}))
"""


def child(code, *args):
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        lines = (proc.stderr.strip() or proc.stdout.strip() or f"exit status {proc.returncode}").splitlines()
        raise RuntimeError(lines[-1])
    return seconds, proc.stdout


def measure(npz, out, target, mode):
    try:
        seconds, _ = child(COMPILE, "compile", npz, "-o", out, "--force", "--no-probe", "--target", target,
                           *(["--quantize", mode] if mode else []))
        _, stdout = child(PROBE, npz, out, target, mode or "")
    except RuntimeError as exc:
        return {"error": str(exc)}
    return dict(json.loads(stdout.strip().splitlines()[-1]), seconds=seconds)


def main(ch=1024):
    from irc.targets import TARGETS  # no TensorFlow: targets import it in write/run only
    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / f"gen{ch}.npz"
        subprocess.run([sys.executable, "-c", "import sys; from tests.chainer_models import save_random_generator; "
                        "save_random_generator(sys.argv[1], int(sys.argv[2]))", str(npz), str(ch)],
                       cwd=ROOT, check=True)
        rows = []
        for name, target in TARGETS.items():
            float32_bytes = None
            for mode in (None,) + tuple(target.quantizes):
                result = measure(npz, Path(tmp) / f"out-{name}-{mode or 'float32'}", name, mode)
                if mode is None:
                    float32_bytes = result.get("bytes")
                rows.append((name, mode or "float32", result, float32_bytes))
    print(f"Output formats, DCGAN generator ch={ch}: every registered target, error vs the source framework "
          f"on the compile probe input")
    print("| target | quantization | bytes | % of float32 | max abs error | PSNR | compile s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, mode, result, float32_bytes in rows:
        if "error" in result:
            print(f"| {name} | {mode} | failed: {result['error']} | | | | |")
            continue
        share = f"{100 * result['bytes'] / float32_bytes:.1f} %" if float32_bytes else "-"
        if result["skipped"]:
            error, psnr = f"probe skipped: {result['skipped']}", "-"
        else:
            error = f"{result['max_abs']:.2e}"
            psnr = "inf" if result["psnr"] == float("inf") else \
                f"{result['psnr']:.1f} dB" if result["psnr"] is not None else "-"
        print(f"| {name} | {mode} | {result['bytes']:,} | {share} | {error} | {psnr} | {result['seconds']:.2f} |")
    files = {name: " + ".join(result["files"]) for name, _, result, _ in rows if "files" in result}
    print("bytes: every file the target writes (" + "; ".join(f"{n}: {f}" for n, f in files.items()) + ")")
    print("compile s: the whole `irc compile --no-probe --target T` command in a fresh Python, imports included")


if __name__ == "__main__":
    main()
