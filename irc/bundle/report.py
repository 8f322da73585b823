"""OUT/report.md: what was compiled, by which passes, into which layers."""


def write_report(path, model, source, pass_log, fidelity, quantization):
    lines = [
        f"# irc compile report: {source.path.name}",
        "",
        f"- source: `{source.path.name}` ({source.framework}), sha256 `{source.sha256[:16]}…`",
        f"- weights: {model.weight_bytes() / 1e6:.2f} MB float32 in {len(model.layers)} layers",
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
    if quantization.mode:
        lines += ["", "## Quantization", ""] + _quantization_lines(quantization)
    lines += ["", "## Passes", "", "| pass | nodes after |", "|---|---|"]
    lines += [f"| {step.name} | {step.nodes} |" for step in pass_log]
    lines += ["", "## Layers", "", "| layer | class | from | weights |", "|---|---|---|---|"]
    for layer in model.layers:
        shapes = ", ".join(f"{n} {list(w.shape)}" for n, w in layer.weights)
        lines.append(f"| `{layer.name}` | {layer.class_name} | {layer.source} | {shapes} |")
    path.write_text("\n".join(lines) + "\n")


def _fidelity_lines(fidelity):
    if not fidelity:
        return ["Not measured (--no-probe)."]
    lines = [f"The emitted files, run in their runtime on a probe input (uniform -1..1, seed 1; the model "
             f"was traced on seed 0), against {fidelity[0].reference} on the same input:", "",
             "| output | target | max abs error | relative to max abs output | PSNR |", "|---|---|---|---|---|"]
    for result in fidelity:
        if result.skipped:
            lines.append(f"| | {result.target} | not measured: {result.skipped} | | |")
            continue
        lines += [f"| `{name}` | {result.target} | {e.max_abs:.2e} | {e.relative:.2e} | "
                  f"{'' if e.psnr is None else f'{e.psnr:.1f} dB'} |" for name, e in result.errors.items()]
    return lines


def _quantization_lines(quantization):
    kept = f", keeping `{quantization.keep}` in float32" if quantization.keep else ""
    lines = [f"Weights stored as {quantization.mode}{kept}; each tensor's error as its runtime decodes it:", "",
             "| tensor | max abs error | relative to max abs weight |", "|---|---|---|"]
    return lines + [f"| `{name}` | {error:.2e} | {error / max(scale, 1e-30):.2e} |"
                    for name, (error, scale) in quantization.errors.items()]
