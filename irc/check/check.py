"""irc check: find the node, the pass and the layer where numbers first go wrong.

ONNX Runtime runs the source model with every tensor exposed. Against it: the numpy
interpreter of the IR after every pass, the lowered model as a real keras.Model, and the
emitted Keras.js files under Node, every layer read back. Each tensor is compared in the
source layout, which its layout label says how to reach. With --out OUT, the passes are the
ones OUT's manifest records and the Keras.js files are OUT's.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from irc.build import PipelineOptions, SourceOptions, build_graph
from irc.check.compare import Tolerance, ir_value_in_source_layout
from irc.check.onnx_reference import reference_model, run_all_tensors
from irc.errors import IrcError
from irc.ir import layout as L
from irc.ir.dump import format_text
from irc.ir.interpret import interpret
from irc.lower.lower import lower
from irc.replay import check_source, replay_pipeline

STAGES = ("ir", "keras", "kerasjs")
MARK = "<<< first over tolerance"


@dataclass
class CheckOptions(SourceOptions, PipelineOptions):
    input_path: str = None
    atol: float = 1e-5
    rtol: float = 1e-5
    stages: tuple = STAGES
    out_dir: str = None            # check these emitted files, and replay their pipeline
    seed: int = 0
    runtime: str = None            # --runtime: the Keras.js build of the kerasjs stage (None: irc's)


@dataclass
class CheckResult:
    lines: list = field(default_factory=list)
    failures: list = field(default_factory=list)     # one sentence per stage over tolerance

    @property
    def ok(self):
        return not self.failures

    def text(self):
        verdict = "OK: every stage within tolerance" if self.ok else "FAIL: " + "; ".join(self.failures)
        return "\n".join(self.lines + ["", verdict]) + "\n"


def run_check(model_path, options=None):
    options = options or CheckOptions()
    out_dir = Path(options.out_dir) if options.out_dir else None
    pipeline = replay_pipeline(out_dir, options) if out_dir else options
    tolerance = Tolerance(options.atol, options.rtol)
    watch = IrWatch(options, tolerance)

    def on_import(source, graph):
        if out_dir:
            check_source(out_dir, source)         # before the passes: another model's OUT is a mistake
        watch.start(source, graph)

    built = build_graph(model_path, options, pipeline, on_import=on_import, after_each=watch.after)
    graph, feeds, reference = built.graph, watch.feeds, watch.reference
    result = CheckResult([f"irc check {built.source.path.name}: {_describe_input(options)}; {tolerance}"])
    watch.report(graph, result)
    model = lower(graph)
    if "keras" in options.stages:
        check_layers("Keras (TensorFlow)", model, graph, reference, tolerance, result,
                     _keras_layer_outputs(model, feeds))
    if "kerasjs" in options.stages:
        check_layers("Keras.js (Node)", model, graph, reference, tolerance, result,
                     kerasjs_layer_outputs(model, feeds, out_dir, options.runtime))
    return result


def probe_inputs(graph, options):
    """Source-layout arrays for the graph inputs: --input, or seeded uniform(-1, 1)."""
    rng = np.random.default_rng(options.seed)
    feeds = {name: rng.uniform(-1, 1, graph.value(name).shape).astype(np.float32) for name in graph.inputs}
    if options.input_path:
        if len(graph.inputs) != 1:
            raise IrcError(f"--input: the model has {len(graph.inputs)} inputs; irc check takes one file")
        from irc.bundle.run import load_npy
        x = load_npy(Path(options.input_path))
        name = graph.inputs[0]
        if tuple(x.shape) != tuple(graph.value(name).shape):
            raise IrcError(f"--input {options.input_path}: shape {list(x.shape)}, the model takes "
                           f"{list(graph.value(name).shape)}")
        feeds[name] = x.astype(np.float32)
    return feeds


# ---- the IR after every pass --------------------------------------------------------------
class IrWatch:
    """The IR, run by the numpy interpreter after import and after every pass, against ONNX
    Runtime on the same input."""

    def __init__(self, options, tolerance):
        self.options, self.tolerance = options, tolerance
        self.history = []          # (after which pass, graph output diff)
        self.first = {}            # the first pass whose IR is over tolerance, and its annotated dump

    def start(self, source, graph):
        """On import, while the source still holds the ONNX model and its weights."""
        self.feeds = probe_inputs(graph, self.options)
        self.reference = run_all_tensors(reference_model(source.proto, source.weights, graph.source_batch),
                                         self.feeds)
        self.after("import", graph)

    def after(self, name, graph):
        annotations, first_node, output_diff = ir_diffs(graph, self.feeds, self.reference, self.tolerance)
        self.history.append((name, output_diff))
        if (first_node or output_diff.over) and not self.first:
            # Described now: later passes may rewrite the node (fold, fuse, rename its result).
            at = f" at node %{first_node.outputs[0]} ({first_node.op}, onnx={first_node.origin.split(':')[-1]})" \
                if first_node else ""
            self.first.update(name=name, at=at, dump=format_text(graph, annotations, weights=False))

    def report(self, graph, result):
        first = self.first
        result.lines += ["", "IR (numpy interpreter) vs ONNX Runtime, graph outputs after each pass:"]
        result.lines += [f"  {name:<26} {diff.text()}" + (f"   {MARK}" if name == first.get("name") else "")
                         for name, diff in self.history]
        if first:
            result.lines += ["", f"IR after {first['name']}, every node:", first["dump"].rstrip()]
            result.failures.append(f"the IR diverges from ONNX Runtime after pass {first['name']}{first['at']}")
        else:
            annotations, _, _ = ir_diffs(graph, self.feeds, self.reference, self.tolerance)
            result.lines += ["", "IR after all passes, every node:",
                             format_text(graph, annotations, weights=False).rstrip()]


def ir_diffs(graph, feeds, reference, tolerance):
    """-> ({node name: annotation}, first node over tolerance or None, worst graph-output diff)."""
    env = interpret(graph, {n: L.to_layout(feeds[n], L.SOURCE_ACTIVATION[len(feeds[n].shape)],
                                           graph.value(n).layout) for n in graph.inputs})
    annotations, first = {}, None
    for node in graph.nodes():
        name = node.outputs[0]
        if name not in reference:
            continue
        diff = tolerance.compare(ir_value_in_source_layout(env[name], graph.value(name)), reference[name])
        annotations[node.name] = diff.text()
        if diff.over and first is None:
            first = node
            annotations[node.name] += f"  {MARK}"
    outputs = [tolerance.compare(ir_value_in_source_layout(env[o], graph.value(o)), reference[o])
               for o in graph.outputs]
    return annotations, first, max(outputs, key=lambda d: (d.over, d.abs))


# ---- runtimes, layer by layer ------------------------------------------------------------------
def check_layers(title, model, graph, reference, tolerance, result, outputs):
    """outputs: {layer name: runtime output}, or why the stage could not run. Every layer of
    the lowered model gets a line: its difference, or why it was not compared."""
    if isinstance(outputs, str):
        result.lines += ["", f"{title}: skipped ({outputs})"]
        return
    result.lines += ["", f"{title} vs ONNX Runtime, every layer:"]
    layers = [layer for layer in model.layers if layer.class_name != "InputLayer"]
    first, compared = None, 0
    for layer, diff in layer_diffs(layers, graph, reference, tolerance, outputs):
        line = f"  {layer.name:<22} {layer.class_name:<20} %{layer.value or '-':<14}"
        if isinstance(diff, str):
            result.lines.append(f"{line} not compared: {diff}")
            continue
        compared += 1
        if diff.over and first is None:
            first = layer
        result.lines.append(f"{line} {diff.text()}" + (f"   {MARK}" if layer is first else ""))
    result.lines.append(_comparison_summary(compared, len(layers), set(outputs) - {layer.name for layer in model.layers}))
    if first is not None:
        result.failures.append(f"{title} first differs at layer {first.name} ({first.class_name}, "
                               f"from {first.source})")
    elif not compared:
        result.failures.append(f"{title}: no layer could be compared")


def layer_diffs(layers, graph, reference, tolerance, outputs):
    """(layer, Diff against the ONNX Runtime tensor it computes, or why it was not compared)."""
    for layer in layers:
        why_not = _why_not_compared(layer, outputs, reference)
        yield layer, why_not or tolerance.compare(
            ir_value_in_source_layout(outputs[layer.name], graph.value(layer.value)), reference[layer.value])


def _why_not_compared(layer, outputs, reference):
    if layer.name not in outputs:
        return "the runtime has no layer of this name"
    if layer.value not in reference:
        return "no ONNX tensor computes this value" if layer.value else "the layer computes no IR value"
    return None


def _comparison_summary(compared, total, added):
    # The target may add layers of its own (copies, split Dense groups, Permutes): named, not compared.
    return f"  compared {compared} of {total} layers" + \
        (f"; not in the lowered model, added by the target: {', '.join(sorted(added))}" if added else "")


def _runtime_feeds(model, feeds):
    """Source-layout inputs -> {input layer: runtime layout, batch axis kept}."""
    return {spec.layer: feeds[spec.source_name].transpose(spec.perm) for spec in model.inputs}


def _keras_layer_outputs(model, feeds):
    from irc.targets.keras.model import build_keras_model, import_keras
    try:
        keras = import_keras()
    except ImportError as exc:
        return f"{exc.name} is not installed"
    built = build_keras_model(model)
    names = [layer.name for layer in model.layers if layer.class_name != "InputLayer"]
    probe = keras.Model(built.inputs, [built.get_layer(n).output for n in names])
    x = _runtime_feeds(model, feeds)
    values = probe([x[spec.layer] for spec in model.inputs])
    return {n: np.asarray(v) for n, v in zip(names, values if len(names) > 1 else [values])}


def kerasjs_layer_outputs(model, feeds, out_dir, runtime):
    """OUT's model.bin, or the kerasjs target's files for `model`, run in Keras.js `runtime`
    (None: the default build) with every layer read back."""
    import tempfile

    from irc.targets import get_target
    from irc.targets.kerasjs import MODEL_BIN
    from irc.targets.kerasjs.runtime import run_model_bin
    from irc.targets.quantize import Quantization
    x = {name: array[0] for name, array in _runtime_feeds(model, feeds).items()}
    if out_dir is not None:
        if not (out_dir / MODEL_BIN).is_file():
            return f"{out_dir} has no {MODEL_BIN}: it was not compiled for --target kerasjs"
        return run_model_bin(out_dir / MODEL_BIN, x, all_layers=True, runtime=runtime)["layers"]
    with tempfile.TemporaryDirectory(prefix="irc-check-") as tmp:
        get_target("kerasjs").write(model, Path(tmp), Quantization(None))
        return run_model_bin(Path(tmp) / MODEL_BIN, x, all_layers=True, runtime=runtime)["layers"]


def _describe_input(options):
    return f"input {options.input_path}" if options.input_path else f"random input (uniform -1..1, seed {options.seed})"
