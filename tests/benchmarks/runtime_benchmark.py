"""Benchmark: what a compiled model costs at run time, side by side, in one run.

For each model (DCGAN generators ch=512 and ch=1024, ResNet-50 on 64x64 images; all Chainer,
random weights), from the ONNX irc's front end exports (bench_models.py):
  - conversion: irc compile (optimized and --no-optimize) vs onnx2keras 0.0.25 (Keras 3,
    change_ordering=True), each in a fresh Python; where onnx2keras fails, where and why;
  - latency: Keras.js 1.0.3 (irc's optimized, naive, and optimized + deconv-taps lowering),
    irc's own build of Keras.js 1.0.3 (irc/targets/kerasjs/irc_kerasjs/: its CPU kernels, the
    optimized lowering), TF.js (irc's tfjs target, wasm and cpu backends) and onnxruntime-web
    (wasm, the source ONNX) under Node (js/node_bench.js) and in headless Chromium
    (js/browser_bench.js on bench.html; Keras.js also on the GPU, WebGL2 on SwiftShader): one
    warm-up run, then the median of N runs (N in the table);
  - paired ratios: the CPU runtimes compared (PAIRED: stock Keras.js, irc's build, TF.js wasm,
    onnxruntime-web) run again for --rounds rounds in all, in alternating order, one fresh
    process (Node) or page (Chromium) per runtime per round; each ratio is the median over
    rounds of that round's ratio (this shared machine's speed drifts between minutes);
  - load time and bytes of each runtime's files and the model's; the Keras.js bundles' bytes
    raw and gzipped; the WebAssembly memory a runtime holds after its runs;
  - every runtime's output against onnxruntime-web's under Node (max abs difference).
Writes build/bench/bench.md and bench.png and prints the table. Run: make bench.
One thread everywhere (the machine has two cores): onnxruntime-web numThreads=1, TF.js wasm
unthreaded (the page is not cross-origin isolated), Keras.js is single-threaded JavaScript.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import bench_models, bench_report  # noqa: E402

JS = Path(__file__).resolve().parent / "js"
OUT = ROOT / "build" / "bench"
# (environment, runtime, backend, lowering): what each model is timed in.
CONFIGS = [
    ("node", "kerasjs", "cpu", "optimized"),
    ("node", "kerasjs", "cpu", "naive"),
    ("node", "kerasjs", "cpu", "taps"),
    ("node", "kerasjs-irc", "cpu", "optimized"),
    ("node", "tfjs", "wasm", "optimized"),
    ("node", "tfjs", "cpu", "optimized"),
    ("node", "ort", "wasm", None),
    ("chromium", "kerasjs", "cpu", "optimized"),
    ("chromium", "kerasjs", "cpu", "naive"),
    ("chromium", "kerasjs", "cpu", "taps"),
    ("chromium", "kerasjs-irc", "cpu", "optimized"),
    ("chromium", "kerasjs", "gpu", "optimized"),
    ("chromium", "kerasjs", "gpu", "naive"),
    ("chromium", "tfjs", "wasm", "optimized"),
    ("chromium", "ort", "wasm", None),
]
# The CPU runtimes timed again in the later rounds, for the paired ratios (per environment).
PAIRED = [("kerasjs", "cpu", "optimized"), ("kerasjs-irc", "cpu", "optimized"), ("tfjs", "wasm", "optimized"),
          ("ort", "wasm", None)]


def compile_all(model_dir):
    """irc's Keras.js files (optimized and naive lowering) and tfjs target, onnx2keras's try.
    -> {converter label: timings or error}."""
    onnx_file = model_dir / "source.onnx"
    return {
        "irc (optimized)": bench_models.compile_irc(onnx_file, model_dir / "optimized"),
        "irc --no-optimize": bench_models.compile_irc(onnx_file, model_dir / "naive", optimize=False),
        # "taps": the optimized lowering plus the opt-in deconv-taps pass (Keras.js 1.0 CPU).
        "irc --enable-pass deconv-taps": bench_models.compile_irc(onnx_file, model_dir / "taps",
                                                                  enable=("deconv-taps",)),
        "irc --target tfjs": bench_models.compile_irc(onnx_file, model_dir / "tfjs", target="tfjs"),
        "onnx2keras": bench_models.compile_onnx2keras(onnx_file, model_dir / "input.npy",
                                                      model_dir / "onnx2keras_output.npy"),
    }


def compiled_dir(model_dir, config):
    """Where irc wrote the files a config runs (runtime "tfjs": the tfjs target's output)."""
    return model_dir / ("tfjs" if config[1] == "tfjs" else config[3])


def model_file(model_dir, config):
    if config[1] == "ort":
        return model_dir / "source.onnx"
    if config[1] == "tfjs":
        return compiled_dir(model_dir, config) / "tfjs" / "model.json"
    return compiled_dir(model_dir, config) / "model.bin"


def manifest_tensors(model_dir, config):
    """-> (input spec, output spec) of the manifest beside the files a config runs (each
    lowering names its layers); ort-web runs the source ONNX, which any manifest describes."""
    manifest_dir = compiled_dir(model_dir, config) if config[3] else model_dir / "optimized"
    manifest = json.loads((manifest_dir / "manifest.json").read_text())
    (x_spec,), (y_spec,) = manifest["inputs"], manifest["outputs"]
    return x_spec, y_spec


def job(model_dir, config, runs):
    """A runtimes.js job; its input in the runtime's layout (the manifest's perm), model a path."""
    _, runtime, backend, _ = config
    x_spec, y_spec = manifest_tensors(model_dir, config)
    x = np.load(model_dir / "input.npy")
    if runtime == "ort":
        name, shape, data, output = x_spec["source_name"], x_spec["source_shape"], x, y_spec["source_name"]
    else:
        name, shape, output = x_spec["name"], x_spec["shape"], y_spec["name"]
        data = x.transpose(x_spec["perm"])
        if runtime.startswith("kerasjs"):
            shape = shape[1:]                     # Keras.js runs one sample without the batch axis
    spec = {"runtime": runtime, "backend": backend, "model": str(model_file(model_dir, config)),
            "input": {"name": name, "shape": shape, "data": np.ascontiguousarray(data, np.float32)},
            "output": output, "runs": runs, "label": f"{model_dir.name} {bench_report.label(config)}"}
    if runtime == "kerasjs-irc":
        spec["library"] = str(irc_build_file("keras-irc.node.js"))   # what Node requires
    return spec


def irc_build_file(name):
    """A file of irc's Keras.js build (build/kerasjs-irc/, which `make setup` builds)."""
    from irc.targets.node.modules import kerasjs_build_file
    return kerasjs_build_file(name)


def source_layout(model_dir, config, output):
    """A runtime's flat output -> the source model's layout (ort-web's is in it already)."""
    _, y_spec = manifest_tensors(model_dir, config)
    if config[1] == "ort":
        return output.reshape(y_spec["source_shape"])
    return output.reshape(y_spec["shape"]).transpose(np.argsort(y_spec["perm"]))


def run_node(model_dir, config, runs, tmp):
    spec = job(model_dir, config, runs)
    x_file, job_file = tmp / "input.f32", tmp / "job.json"
    spec["input"].pop("data").tofile(x_file)
    spec["input"]["file"] = str(x_file)
    spec.update(output_file=str(tmp / "output.f32"), result_file=str(tmp / "result.json"))
    job_file.write_text(json.dumps(spec))
    proc = subprocess.run(["node", str(JS / "node_bench.js"), str(job_file)], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip() or f"exit status {proc.returncode}").splitlines()[-1]}
    result = json.loads((tmp / "result.json").read_text())
    result["output"] = np.fromfile(tmp / "output.f32", np.float32)
    result["bytes"] = {"model": files_bytes(model_dir, config)}
    return result


def files_bytes(model_dir, config):
    path = model_file(model_dir, config)
    files = path.parent.iterdir() if config[1] == "tfjs" else [path]   # model.json and its shards
    return sum(f.stat().st_size for f in files)


def run_chromium(jobs, out, tmp):
    """[(model_dir, config, runs)] -> results, all in one browser (fresh page per job)."""
    with serve_site(out, tmp / "site") as base:
        specs = []
        for model_dir, config, runs in jobs:
            spec = job(model_dir, config, runs)
            spec["input"]["data"] = spec["input"]["data"].ravel().tolist()
            spec["model"] = f"{base}models/{Path(spec['model']).relative_to(out).as_posix()}"
            specs.append(spec)
        (tmp / "jobs.json").write_text(json.dumps(specs))
        # Its stdout (a progress line per job) goes to ours.
        proc = subprocess.run(["node", str(JS / "browser_bench.js"), f"{base}bench/bench.html",
                               str(tmp / "jobs.json"), str(tmp / "results.json")], stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            error = (proc.stderr.strip() or f"exit status {proc.returncode}").splitlines()[-1]
            return [{"error": error}] * len(jobs)
        results = json.loads((tmp / "results.json").read_text())
    for result in results:
        if "output" in result:
            result["output"] = np.asarray(result["output"], np.float32)
    return results


def serve_site(out, site):
    """Serve, on 127.0.0.1 at a free port with irc serve's handler (fixed MIME types, no
    caching), a directory of links: /bench (this page), /node_modules, /kerasjs-irc (irc's
    Keras.js build) and /models (out). -> a context manager giving the base URL (ending in /)."""
    from irc.bundle.serve import static_server
    from tests.browser.page_driver import serving
    site.mkdir()
    for name, target in (("bench", JS.parent), ("node_modules", ROOT / "node_modules"),
                         ("kerasjs-irc", irc_build_file("keras-irc.min.js").parent), ("models", out)):
        (site / name).symlink_to(target.resolve(), target_is_directory=True)
    return serving(static_server(site, port=0, quiet=True))


def runs_for(model, config, runs):
    """Fewer timed runs where a run takes seconds: Keras.js on SwiftShader's software WebGL."""
    if config[2] == "gpu" and model != "gen512":
        return max(1, runs // 3)
    return runs


def paired_order(round_index):
    """The PAIRED configs of a later round, Node's then Chromium's, in alternating order."""
    order = PAIRED if round_index % 2 == 0 else PAIRED[::-1]
    return [(env, *config) for env in ("node", "chromium") for config in order]


def measure(models, runs, out, rounds=1):
    """Round 1: every config of CONFIGS; rounds 2..rounds: the PAIRED ones again, in reversed
    order every other round. Each row (one per model and config) has its first round's results
    and round_ms: the median ms of each of its rounds."""
    rows, compiles = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        browser_jobs = []      # (row, round index, job)
        for model in models:
            model_dir = out / model
            subprocess.run([sys.executable, str(Path(__file__).parent / "bench_models.py"), model, str(model_dir)],
                           cwd=ROOT, check=True)
            compiles[model] = compile_all(model_dir)
            by_config = {}
            for config in CONFIGS:
                row = {"model": model, "config": config, "runs": runs_for(model, config, runs), "round_ms": []}
                by_config[config] = row
                rows.append(row)
            for round_index in range(rounds):
                for config in CONFIGS if round_index == 0 else paired_order(round_index):
                    row = by_config[config]
                    if config[0] == "node":
                        start = time.perf_counter()
                        result = run_node(model_dir, config, row["runs"], tmp)
                        add_result(row, result, first=round_index == 0)
                        print(f"  {model} {bench_report.label(config)} (round {round_index + 1}): "
                              f"{result.get('error', 'ok')} ({time.perf_counter() - start:.1f} s)", flush=True)
                    else:
                        browser_jobs.append((row, round_index, (model_dir, config, row["runs"])))
        results = run_chromium([spec for _, _, spec in browser_jobs], out, tmp)
        for (row, round_index, _), result in zip(browser_jobs, results):
            add_result(row, result, first=round_index == 0)
    for row in rows:
        if "output" in row:
            row["output"] = source_layout(out / row["model"], row["config"], row["output"])
    return rows, compiles


def add_result(row, result, first):
    """Round 1's result fills the row; every round adds its median to row["round_ms"]."""
    if first:
        row.update(result)
    if "error" not in result:
        row["round_ms"].append(bench_report.median_ms(result))
    elif not first:
        row.setdefault("round_errors", []).append(result["error"])


def bundle_bytes():
    """-> {name: (raw bytes, gzip -9 bytes)} of stock Keras.js's and irc's browser bundles."""
    import gzip
    files = {"Keras.js 1.0.3 dist/keras.min.js": ROOT / "node_modules" / "keras-js" / "dist" / "keras.min.js",
             "irc's build keras-irc.min.js": irc_build_file("keras-irc.min.js")}
    return {name: (len(data), len(gzip.compress(data, 9, mtime=0)))
            for name, data in ((name, path.read_bytes()) for name, path in files.items())}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="gen512,gen1024,resnet50",
                        help=f"comma-separated, of {', '.join(bench_models.MODELS)}")
    parser.add_argument("--runs", type=int, default=5, help="timed runs after the warm-up (default 5)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of the paired CPU comparison, the first with every config (default 5)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows, compiles = measure(args.models.split(","), args.runs, args.out, max(1, args.rounds))
    text = bench_report.write(rows, compiles, args.out, bundle_bytes())
    print(text)
    return rows, compiles


if __name__ == "__main__":
    main()
