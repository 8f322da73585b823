"""irc dump: the IR as text, JSON, DOT or SVG, after a chosen pass, optionally annotated
with each node's difference from ONNX Runtime on an input."""

from pathlib import Path

from irc.errors import IrcError
from irc.frontend.onnx_import import import_onnx
from irc.ir.dump import format_json, format_text
from irc.frontend.source import load_source

FORMATS = ("text", "json", "dot", "svg")


def dump(model_path, after=None, fmt="text", input_path=None, arch=None, arch_args=None,
         input_shape=None, atol=1e-5, rtol=1e-5, framework=None, weights=None, exporter=None):
    """-> the dump as a string. after: a pass name, 'import', 'all', or None (every pass)."""
    from passes.pipeline import default_pipeline, run_pipeline
    if fmt not in FORMATS:
        raise IrcError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
    source = load_source(model_path, arch, arch_args, input_shape, framework, weights, exporter)
    graph = import_onnx(source.proto, str(source.path), source.input_shapes, source.weights)
    annotate = _annotator(source.proto, source.weights, graph, input_path, atol, rtol) if input_path else None
    names = default_pipeline()
    if after not in (None, "all", "import") and after not in names:
        raise IrcError(f"--after {after}: no such pass in the pipeline ({', '.join(['import'] + names)})")
    snapshots = []

    def keep(name, g):
        if after == "all" or name == after:
            snapshots.append((name, _render(g, fmt, annotate)))

    keep("import", graph)
    if after != "import":
        run_pipeline(graph, names[:names.index(after) + 1] if after in names else names, after_each=keep)
    if after is None:
        snapshots.append(("", _render(graph, fmt, annotate)))
    return _join(snapshots, fmt)


def _annotator(proto, weights, imported, input_path, atol, rtol):
    """A function graph -> {node: 'Δabs=… Δrel=…'} against ONNX Runtime on the input."""
    from irc.check.check import CheckOptions, ir_diffs, probe_inputs
    from irc.check.compare import Tolerance
    from irc.check.onnx_reference import reference_model, run_all_tensors
    feeds = probe_inputs(imported, CheckOptions(input_path=input_path))
    reference = run_all_tensors(reference_model(proto, weights), feeds)
    return lambda graph: ir_diffs(graph, feeds, reference, Tolerance(atol, rtol))[0]


def _render(graph, fmt, annotate):
    annotations = annotate(graph) if annotate else None
    if fmt == "text":
        return format_text(graph, annotations)
    if fmt == "json":
        return format_json(graph, annotations)
    from irc.ir.draw import to_dot, to_svg
    return to_dot(graph, annotations) if fmt == "dot" else to_svg(graph, annotations)


def _join(snapshots, fmt):
    if len(snapshots) == 1:
        return snapshots[0][1]
    if fmt == "text":
        return "".join(f"// after {name}\n{text}" for name, text in snapshots)
    if fmt == "json":
        return "[\n" + ",\n".join(text.rstrip() for _, text in snapshots) + "\n]\n"
    raise IrcError(f"--after all writes one graph per pass: use --format text or json, not {fmt}")


def write_output(text, out_path):
    if out_path is None:
        print(text, end="")
        return
    try:
        Path(out_path).write_text(text)
    except OSError as exc:
        raise IrcError(f"{out_path}: cannot write ({exc.strerror})") from None
