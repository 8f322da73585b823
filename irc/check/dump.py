"""irc dump: the IR as text, JSON, DOT or SVG, after a chosen pass, optionally annotated
with each node's difference from ONNX Runtime on an input."""

from dataclasses import dataclass
from pathlib import Path

from irc.build import PipelineOptions, SourceOptions, build_graph, check_pass_name, pipeline_names
from irc.errors import IrcError
from irc.ir.dump import format_json, format_text
from irc.replay import check_source, replay_pipeline

FORMATS = ("text", "json", "dot", "svg")


@dataclass
class DumpOptions(SourceOptions, PipelineOptions):
    after: str = None                # a pass name, "import", "all", or None (after the last pass)
    fmt: str = "text"
    input_path: str = None           # annotate every node with its difference from ONNX Runtime on this
    atol: float = 1e-5
    rtol: float = 1e-5
    out_dir: str = None              # replay this compile output's pipeline


def dump(model_path, options=None):
    """-> the dump as a string."""
    options = options or DumpOptions()
    if options.fmt not in FORMATS:
        raise IrcError(f"--format {options.fmt}: expected one of {', '.join(FORMATS)}")
    out_dir = Path(options.out_dir) if options.out_dir else None
    pipeline = replay_pipeline(out_dir, options) if out_dir else options
    if options.after is not None:
        check_pass_name("--after", options.after, pipeline_names(pipeline), ["import", "all"])
    snapshots = _Snapshots(options, out_dir)
    built = build_graph(model_path, options, pipeline, snapshots.on_import, snapshots.after_pass,
                        until=None if options.after == "all" else options.after)
    if options.after is None:
        snapshots.take("", built.graph)
    return _join(snapshots.taken, options.fmt)


class _Snapshots:
    """The graph rendered after import and the passes --after names, annotated with --input."""

    def __init__(self, options, out_dir):
        self.options, self.out_dir = options, out_dir
        self.annotate = None
        self.taken = []            # (after which pass, rendering)

    def on_import(self, source, graph):
        """While the source still holds the ONNX model and its weights (the annotator runs it)."""
        if self.out_dir:
            check_source(self.out_dir, source)
        if self.options.input_path:
            self.annotate = _annotator(source.proto, source.weights, graph, self.options)
        self.after_pass("import", graph)

    def after_pass(self, name, graph):
        if self.options.after in ("all", name):
            self.take(name, graph)

    def take(self, name, graph):
        self.taken.append((name, _render(graph, self.options.fmt, self.annotate)))


def _annotator(proto, weights, imported, options):
    """A function graph -> {node: 'Δabs=… Δrel=…'} against ONNX Runtime on the input."""
    from irc.check.check import CheckOptions, ir_diffs, probe_inputs
    from irc.check.compare import Tolerance
    from irc.check.onnx_reference import reference_model, run_all_tensors
    feeds = probe_inputs(imported, CheckOptions(input_path=options.input_path))
    reference = run_all_tensors(reference_model(proto, weights, imported.source_batch), feeds)
    return lambda graph: ir_diffs(graph, feeds, reference, Tolerance(options.atol, options.rtol))[0]


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
