"""The runtime benchmark's report: build/bench/bench.md (markdown tables) and bench.png."""

import os
import platform
import statistics
import time

import numpy as np

RUNTIME_NAMES = {"kerasjs": "Keras.js 1.0.3", "kerasjs-irc": "irc's Keras.js 1.0.3 build", "tfjs": "TF.js 4.22",
                 "ort": "onnxruntime-web 1.30"}
ENVIRONMENTS = {"node": "Node", "chromium": "Chromium"}


def label(config):
    env, runtime, backend, lowering = config
    return " ".join(filter(None, [ENVIRONMENTS[env], RUNTIME_NAMES[runtime], backend, lowering]))


def median_ms(row):
    return statistics.median(row["runs_ms"]) if row.get("runs_ms") else None


def reference(rows, model):
    """onnxruntime-web's output under Node (else in Chromium): what every output is compared to."""
    for env in ("node", "chromium"):
        for row in rows:
            if row["model"] == model and row["config"][:2] == (env, "ort") and "output" in row:
                return row["output"]
    return None


def max_abs(output, expected):
    if output is None or expected is None:
        return None
    if output.shape != expected.shape:
        return float("inf")
    return float(np.abs(output - expected).max())


def add_differences(rows):
    for row in rows:
        row["max_abs"] = max_abs(row.get("output"), reference(rows, row["model"]))


def fmt(value, spec):
    return "—" if value is None else format(value, spec)


def conversion_table(compiles, rows):
    lines = ["| model | converter | imports s | conversion s | result |", "|---|---|---:|---:|---|"]
    for model, results in compiles.items():
        for converter, result in results.items():
            outcome = f"failed: {result['error']}" if "error" in result else "converted"
            if converter == "onnx2keras" and "output_max_abs" in result:
                outcome += f"; max abs diff vs onnxruntime-web {result['output_max_abs']:.1e}"
            lines.append(f"| {model} | {converter} | {fmt(result.get('import_s'), '.2f')} | "
                         f"{fmt(result.get('convert_s'), '.2f')} | {outcome} |")
    return lines


def latency_table(rows):
    lines = ["| model | where | runtime | backend | lowering | median ms | N | warm-up ms | load ms | "
             "runtime bytes | model bytes | wasm memory bytes | max abs diff vs ort-web |",
             "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        env, runtime, backend, lowering = row["config"]
        head = f"| {row['model']} | {ENVIRONMENTS[env]} | {RUNTIME_NAMES[runtime]} | {backend} | {lowering or '—'} |"
        if "error" in row:
            lines.append(f"{head} failed: {row['error']} | {row['runs']} | | | | | | |")
            continue
        if row["backend"] != backend:           # e.g. Keras.js without WebGL2 falls back to the CPU
            head = head.replace(f"| {backend} |", f"| {backend} (ran on {row['backend']}) |")
        nbytes = row.get("bytes", {})
        lines.append(f"{head} {median_ms(row):.1f} | {row['runs']} | {row['warmup_ms']:.1f} | {row['load_ms']:.0f} | "
                     f"{fmt(nbytes.get('runtime'), ',')} | {fmt(nbytes.get('model'), ',')} | "
                     f"{fmt(row.get('wasm_bytes'), ',')} | {fmt(row['max_abs'], '.1e')} |")
    return lines


# An output further than this from onnxruntime-web's is wrong: its ratios are marked.
WRONG = 1e-3


def find(rows, model, config):
    """-> (median ms, whether the output is wrong) of a row that ran, else (None, False)."""
    for r in rows:
        if r["model"] == model and r["config"] == config and "error" not in r:
            return median_ms(r), r["max_abs"] is None or r["max_abs"] > WRONG
    return None, False


def ratio(a, b):
    (a_ms, a_wrong), (b_ms, b_wrong) = a, b
    if not (a_ms and b_ms):
        return "—"
    return f"{a_ms / b_ms:.2f}x" + (" (wrong output)" if a_wrong or b_wrong else "")


def ratio_table(rows):
    """Per model and environment: naive / optimized Keras.js (and / optimized + deconv-taps), and
    Keras.js and TF.js against ort-web."""
    lines = ["| model | where | Keras.js naive / optimized | naive / optimized + deconv-taps | "
             "Keras.js optimized / ort-web | TF.js wasm / ort-web |", "|---|---|---:|---:|---:|---:|"]
    for model in dict.fromkeys(r["model"] for r in rows):
        for env, device in (("node", "cpu"), ("chromium", "cpu"), ("chromium", "gpu")):
            optimized = find(rows, model, (env, "kerasjs", device, "optimized"))
            naive = find(rows, model, (env, "kerasjs", device, "naive"))
            taps = find(rows, model, (env, "kerasjs", device, "taps"))
            ort = find(rows, model, (env, "ort", "wasm", None))
            tfjs = find(rows, model, (env, "tfjs", "wasm", "optimized"))
            lines.append(f"| {model} | {ENVIRONMENTS[env]}, Keras.js on {device} | {ratio(naive, optimized)} | "
                         f"{ratio(naive, taps)} | {ratio(optimized, ort)} | {ratio(tfjs, ort) if device == 'cpu' else '—'} |")
    return lines


def round_ratios(a, b):
    """-> per-round a/b of two rows' round medians (rounds both timed), or []."""
    if not (a and b):
        return []
    return [x / y for x, y in zip(a["round_ms"], b["round_ms"]) if x and y]


def ratio_cell(ratios, wrong=False):
    if not ratios:
        return "—"
    text = f"{statistics.median(ratios):.2f}x [{min(ratios):.2f}–{max(ratios):.2f}]"
    return text + (" (wrong output)" if wrong else "")


def row_of(rows, model, config):
    for r in rows:
        if r["model"] == model and r["config"] == config and "error" not in r:
            return r
    return None


def is_wrong(*rows):
    return any(r is not None and (r["max_abs"] is None or r["max_abs"] > WRONG) for r in rows)


# Issue 13's targets, on the Chromium CPU rows: (model, stock/irc at least, irc/ort-web at most).
TARGETS = {"gen512": (15.0, 1.5), "resnet50": (8.0, None)}


def paired_table(rows):
    """irc's Keras.js build against stock Keras.js, TF.js wasm and onnxruntime-web: per-round
    ratios of round medians (fresh process or page each, alternating order), median [min–max]."""
    lines = ["| model | where | rounds | irc's build ms | Keras.js ms | TF.js wasm ms | ort-web ms | "
             "Keras.js / irc's build | irc's build / ort-web | TF.js wasm / ort-web |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    verdicts = []
    for model in dict.fromkeys(r["model"] for r in rows):
        for env in ("node", "chromium"):
            irc = row_of(rows, model, (env, "kerasjs-irc", "cpu", "optimized"))
            stock = row_of(rows, model, (env, "kerasjs", "cpu", "optimized"))
            tfjs = row_of(rows, model, (env, "tfjs", "wasm", "optimized"))
            ort = row_of(rows, model, (env, "ort", "wasm", None))
            med = [fmt(statistics.median(r["round_ms"]) if r and r["round_ms"] else None, ".1f")
                   for r in (irc, stock, tfjs, ort)]
            speedup, vs_ort = round_ratios(stock, irc), round_ratios(irc, ort)
            rounds = len(irc["round_ms"]) if irc else 0
            lines.append(f"| {model} | {ENVIRONMENTS[env]} | {rounds} | {' | '.join(med)} | "
                         f"{ratio_cell(speedup, is_wrong(stock, irc))} | {ratio_cell(vs_ort, is_wrong(irc, ort))} | "
                         f"{ratio_cell(round_ratios(tfjs, ort), is_wrong(tfjs, ort))} |")
            if env == "chromium" and model in TARGETS:
                least, most = TARGETS[model]
                checks = [f"Keras.js / irc's build {fmt(speedup and statistics.median(speedup), '.2f')}x "
                          f"(target >= {least:g}x)"]
                met = bool(speedup) and statistics.median(speedup) >= least
                if most is not None:
                    checks.append(f"irc's build / ort-web {fmt(vs_ort and statistics.median(vs_ort), '.2f')}x "
                                  f"(target <= {most:g}x)")
                    met = met and bool(vs_ort) and statistics.median(vs_ort) <= most
                verdicts.append(f"- {model}, Chromium CPU: {'; '.join(checks)}: {'met' if met else 'NOT met'}")
    return lines, verdicts


def bundle_table(bundles):
    lines = ["| bundle | bytes | gzip -9 bytes |", "|---|---:|---:|"]
    lines += [f"| {name} | {raw:,} | {gz:,} |" for name, (raw, gz) in bundles.items()]
    return lines


def chart(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    models = list(dict.fromkeys(r["model"] for r in rows))
    fig, axes = plt.subplots(1, len(models), figsize=(6 * len(models), 5), squeeze=False)
    for ax, model in zip(axes[0], models):
        timed = [r for r in rows if r["model"] == model and "error" not in r]
        ax.barh([label(r["config"]) for r in timed], [median_ms(r) for r in timed],
                color=[{"kerasjs": "tab:blue", "kerasjs-irc": "tab:purple", "tfjs": "tab:orange",
                        "ort": "tab:green"}[r["config"][1]]
                       for r in timed])
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_title(model)
        ax.set_xlabel("median latency, ms (log scale)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write(rows, compiles, out, bundles=None):
    """-> the markdown text, also written to out/bench.md; the chart to out/bench.png.
    bundles: {name: (bytes, gzipped bytes)} of the Keras.js browser bundles, if measured."""
    add_differences(rows)
    for model, results in compiles.items():
        o2k = out / model / "onnx2keras_output.npy"
        if "error" not in results["onnx2keras"] and o2k.exists():
            results["onnx2keras"]["output_max_abs"] = max_abs(np.load(o2k), reference(rows, model))
    paired, verdicts = paired_table(rows)
    machine = f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, {time.strftime('%Y-%m-%d %H:%M')}"
    lines = ["# Runtime benchmark (`make bench`)", "",
             f"Machine: {machine}. Latency: one warm-up run, then the median of N timed runs (N per row); "
             "one thread in every runtime. Load: backend start-up plus reading and decoding the model files. "
             "Bytes: runtime = scripts and WebAssembly the page fetched; model = the model files.", "",
             "## Conversion of the source ONNX (a fresh Python each)", "", *conversion_table(compiles, rows), "",
             "## Latency", "", *latency_table(rows), "",
             "## Ratios of median latencies (same environment, measured back to back)", "", *ratio_table(rows), "",
             "## irc's Keras.js build, paired (CPU, one thread)", "",
             "Each round times every runtime below once more, each in a fresh process (Node) or page "
             "(Chromium), in alternating order; ms: median over rounds of each round's median; ratio: median "
             "[min–max] over rounds of that round's ratio.", "", *paired, "", *verdicts, ""]
    if bundles:
        lines += ["## Keras.js browser bundles", "", *bundle_table(bundles), ""]
    text = "\n".join(lines)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.md").write_text(text)
    chart(rows, out / "bench.png")
    return text
