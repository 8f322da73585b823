"""OUT/report.md: what was compiled, by which passes, into which layers."""


def write_report(path, model, source, pass_log, fidelity, seconds):
    lines = [
        f"# irc compile report: {source.path.name}",
        "",
        f"- source: `{source.path.name}` ({source.framework}), sha256 `{source.sha256[:16]}…`",
        f"- weights: {model.weight_bytes() / 1e6:.2f} MB float32 in {len(model.layers)} layers",
        f"- compile time: {seconds:.2f} s",
        "",
        "## Inputs and outputs",
        "",
        "| tensor | runtime name | runtime shape | source shape | perm |",
        "|---|---|---|---|---|",
    ]
    for kind, specs in (("input", model.inputs), ("output", model.outputs)):
        lines += [f"| {kind} `{s.source_name}` | `{s.layer}` | {list(s.shape)} | {list(s.source_shape)} | "
                  f"{list(s.perm)} |" for s in specs]
    lines += ["", "## Fidelity", ""] + _fidelity_lines(fidelity)
    lines += ["", "## Passes", "", "| pass | nodes after |", "|---|---|"]
    lines += [f"| {name} | {count} |" for name, count in pass_log]
    lines += ["", "## Layers", "", "| layer | class | from | weights |", "|---|---|---|---|"]
    for layer in model.layers:
        shapes = ", ".join(f"{n} {list(w.shape)}" for n, w in layer.weights)
        lines.append(f"| `{layer.name}` | {layer.class_name} | {layer.source} | {shapes} |")
    path.write_text("\n".join(lines) + "\n")


def _fidelity_lines(fidelity):
    if fidelity is None:
        return ["Not measured (--no-probe)."]
    if fidelity.skipped:
        return [f"Not measured: {fidelity.skipped}."]
    lines = [f"model.bin run in Keras.js under Node on a probe input (uniform -1..1, seed 0), "
             f"against {fidelity.reference} on the same input:", "",
             "| output | max abs error | relative to max abs output |", "|---|---|---|"]
    return lines + [f"| `{name}` | {err:.2e} | {rel:.2e} |" for name, (err, rel) in fidelity.errors.items()]
