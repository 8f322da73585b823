"""The front half every command shares: source model -> ONNX -> IR -> the pass pipeline.

irc compile, check and dump all build their graph with build_graph, from the same options,
so the same flags give the same graph in each; manifest.json records the pipeline that ran
(irc/bundle/manifest.py) and check/dump --out replay it (irc/replay.py).
"""

import sys
from dataclasses import dataclass, field
from typing import NamedTuple

from irc.errors import IrcError
from irc.frontend.onnx_import import import_onnx
from irc.frontend.source import load_source


@dataclass
class SourceOptions:
    arch: str = None
    arch_args: str = None
    input_shape: tuple = None
    framework: str = None            # None: from the model path
    weights: str = None              # PyTorch state dict
    exporter: str = None             # PyTorch: "torchscript" (default) or "dynamo"


@dataclass
class PipelineOptions:
    passes: list = None              # None: the default pipeline, shaped by the next four
    optimize: bool = True            # False: without passes.pipeline.OPTIMIZATIONS
    disable_passes: list = field(default_factory=list)   # optimisation passes to skip
    enable_passes: list = field(default_factory=list)    # opt-in optimisation passes to run
    quantize: str = None             # the weights' storage; uint8/uint16 keep the batch norms
    plugins: list = field(default_factory=list)          # the --passes files loaded, for the record
    verify_each: bool = False
    print_after: str = None          # a pass name or "all": the IR after it on stderr
    verbose: bool = False            # one line per pass on stderr
    after_each: object = None        # callback(pass name, graph)


# Folding a batch norm scales each output channel of a kernel by its own factor, which widens
# the one range an affine-quantized (uint8/uint16) tensor shares: on the ch=1024 generator,
# uint8 gives 42.1 dB with the batch norms kept and 37.0 dB folded. Those keep them as layers.
KEEP_BATCHNORM_WHEN_QUANTIZED = ("uint8", "uint16")


def pipeline_names(options):
    """The passes `options` run, in order."""
    from passes.pipeline import default_pipeline
    if options.passes is None:
        return default_pipeline(options.optimize, _disabled_passes(options), options.enable_passes)
    if not options.optimize or options.disable_passes or options.enable_passes:
        raise IrcError("an explicit pass list cannot be combined with optimize=False, disable_passes "
                       "or enable_passes")
    return list(options.passes)


def _disabled_passes(options):
    disabled = list(options.disable_passes)
    if options.quantize in KEEP_BATCHNORM_WHEN_QUANTIZED and "fold-batchnorm" not in disabled:
        disabled.append("fold-batchnorm")
    return disabled


def check_pass_name(flag, name, names, extra=()):
    """Refuse `flag name` unless name is one of extra or of the pipeline's passes."""
    from passes.pipeline import OPT_IN
    if name in extra or name in names:
        return
    hint = f"; it runs with --enable-pass {name}" if name in OPT_IN else ""
    raise IrcError(f"{flag} {name}: no such pass ({', '.join([*extra, *names])}){hint}")


class PassStep(NamedTuple):
    name: str
    nodes: int            # after the pass
    changed: bool         # what the pass returned


@dataclass
class Build:
    source: object        # SourceModel, released: its proto and weights now live in graph
    graph: object
    pass_log: list        # PassStep per pass run, in order

    @property
    def passes(self):
        return [step.name for step in self.pass_log]


def build_graph(model_path, source_options, pipeline_options, on_import=None, after_each=None, until=None):
    """-> Build. on_import(source, graph): once imported, while the source still holds its ONNX
    proto and weights (check's ONNX Runtime reference reads them). after_each(name, graph):
    after every pass, after pipeline_options' own callbacks. until: the last pass to run
    ("import": none); the caller checks it is in pipeline_names(pipeline_options)."""
    from passes.pipeline import run_pipeline
    names = pipeline_names(pipeline_options)
    # Before the source is loaded: a mistyped pass name should not cost a model load.
    callbacks = [c for c in (_printer(pipeline_options.print_after, names), pipeline_options.after_each,
                             after_each) if c]
    if until is not None:
        names = names[:names.index(until) + 1] if until in names else []
    source = load_source(model_path, source_options.arch, source_options.arch_args, source_options.input_shape,
                         source_options.framework, source_options.weights, source_options.exporter)
    graph = import_onnx(source.proto, str(source.path), source.input_shapes, source.weights)
    if on_import:
        on_import(source, graph)
    source.release()                  # weights now live in the IR only (memory target)
    log = []

    def after_pass(name, g, changed):
        log.append(PassStep(name, len(g.nodes()), bool(changed)))
        if pipeline_options.verbose:
            _print_step(log[-1], g)
        for callback in callbacks:
            callback(name, g)

    run_pipeline(graph, names, pipeline_options.verify_each, after_pass)
    return Build(source, graph, log)


def _printer(print_after, names):
    """--print-after: the IR after the named pass (or each pass) and its rejections, on stderr."""
    if print_after is None:
        return None
    from irc.ir.dump import format_text
    from passes.kit import rejection_lines
    check_pass_name("--print-after", print_after, names, ["all"])

    def print_dump(name, graph):
        if print_after in ("all", name):
            print(f"// after {name}\n{format_text(graph)}", file=sys.stderr, end="")
            for line in rejection_lines(graph, name):
                print(f"// {line}", file=sys.stderr)
    return print_dump


def _print_step(step, graph):
    """--verbose: the pass, its node count, whether it changed the graph, why it left matches alone."""
    from passes.kit import rejection_lines
    print(f"irc: {step.name:<26} {step.nodes:>5} nodes  {'changed' if step.changed else 'unchanged'}",
          file=sys.stderr)
    for line in rejection_lines(graph, step.name):
        print(f"irc:   {line}", file=sys.stderr)
