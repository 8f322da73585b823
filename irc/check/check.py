"""irc check: find the node, the pass and the layer where numbers first go wrong.

ONNX Runtime runs the source model with every tensor exposed. Against it: the numpy
interpreter of the IR after every pass, the lowered model as a real keras.Model, and the
emitted Keras.js files under Node, every layer read back. Each tensor is compared in the
source layout, which its layout label says how to reach.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from irc.check.compare import Tolerance, ir_value_in_source_layout
from irc.check.onnx_reference import reference_model, run_all_tensors
from irc.errors import IrcError
from irc.frontend.onnx_import import import_onnx
from irc.ir import layout as L
from irc.ir.dump import format_text
from irc.ir.interpret import interpret
from irc.lower.lower import lower
from irc.frontend.source import load_source

STAGES = ("ir", "keras", "kerasjs")
MARK = "<<< first over tolerance"


@dataclass
class CheckOptions:
    input_path: str = None
    atol: float = 1e-5
    rtol: float = 1e-5
    stages: tuple = STAGES
    out_dir: str = None            # check these emitted files instead of freshly lowered ones
    arch: str = None
    arch_args: str = None
    input_shape: tuple = None
    seed: int = 0
    framework: str = None
    weights: str = None
    exporter: str = None


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


def run_check(model_path, options=CheckOptions()):
    source = load_source(model_path, options.arch, options.arch_args, options.input_shape,
                         options.framework, options.weights, options.exporter)
    reference_proto = reference_model(source.proto, source.weights)
    graph = import_onnx(source.proto, str(source.path), source.input_shapes, source.weights)
    feeds = probe_inputs(graph, options)
    reference = run_all_tensors(reference_proto, feeds)
    tolerance = Tolerance(options.atol, options.rtol)
    result = CheckResult([f"irc check {source.path.name}: {_describe_input(options)}; {tolerance}"])
    check_ir(graph, feeds, reference, tolerance, result)
    model = lower(graph)
    if "keras" in options.stages:
        check_layers("Keras (TensorFlow)", model, graph, reference, tolerance, result,
                     _keras_layer_outputs(model, feeds))
    if "kerasjs" in options.stages:
        check_layers("Keras.js (Node)", model, graph, reference, tolerance, result,
                     _kerasjs_layer_outputs(model, feeds, source, options.out_dir))
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
def check_ir(graph, feeds, reference, tolerance, result):
    from passes.pipeline import run_pipeline
    history = []          # (after which pass, graph output diff)
    first = {}            # the first pass whose IR is over tolerance, and its annotated dump

    def after(name, g):
        annotations, first_node, output_diff = ir_diffs(g, feeds, reference, tolerance)
        history.append((name, output_diff))
        if (first_node or output_diff.over) and not first:
            # Described now: later passes may rewrite the node (fold, fuse, rename its result).
            at = f" at node %{first_node.outputs[0]} ({first_node.op}, onnx={first_node.origin.split(':')[-1]})" \
                if first_node else ""
            first.update(name=name, at=at, dump=format_text(g, annotations, weights=False))

    after("import", graph)
    run_pipeline(graph, after_each=after)
    result.lines += ["", "IR (numpy interpreter) vs ONNX Runtime, graph outputs after each pass:"]
    result.lines += [f"  {name:<26} {diff.text()}" + (f"   {MARK}" if name == first.get("name") else "")
                     for name, diff in history]
    if first:
        result.lines += ["", f"IR after {first['name']}, every node:", first["dump"].rstrip()]
        result.failures.append(f"the IR diverges from ONNX Runtime after pass {first['name']}{first['at']}")
    else:
        annotations, _, _ = ir_diffs(graph, feeds, reference, tolerance)
        result.lines += ["", "IR after all passes, every node:", format_text(graph, annotations, weights=False).rstrip()]


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
    if isinstance(outputs, str):          # the stage could not run: say why
        result.lines += ["", f"{title}: skipped ({outputs})"]
        return
    result.lines += ["", f"{title} vs ONNX Runtime, every layer:"]
    first = None
    for layer in model.layers:
        if layer.class_name == "InputLayer" or layer.name not in outputs:
            continue
        line = f"  {layer.name:<22} {layer.class_name:<20} %{layer.value or '-':<14}"
        if layer.value in reference:
            diff = tolerance.compare(ir_value_in_source_layout(outputs[layer.name], graph.value(layer.value)),
                                     reference[layer.value])
            line += f" {diff.text()}"
            if diff.over and first is None:
                first = layer
                line += f"   {MARK}"
        result.lines.append(line)
    if first is not None:
        result.failures.append(f"{title} first differs at layer {first.name} ({first.class_name}, "
                               f"from {first.source})")


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


def _kerasjs_layer_outputs(model, feeds, source, out_dir):
    import tempfile

    from irc.targets.kerasjs.writer import write_model_bin
    from irc.targets.kerasjs.runtime import run_model_bin
    x = {name: array[0] for name, array in _runtime_feeds(model, feeds).items()}
    if out_dir is not None:
        model_bin = _checked_model_bin(Path(out_dir), source)
        return run_model_bin(model_bin, x, all_layers=True)["layers"]
    with tempfile.TemporaryDirectory(prefix="irc-check-") as tmp:
        write_model_bin(model, Path(tmp) / "model.bin")
        return run_model_bin(Path(tmp) / "model.bin", x, all_layers=True)["layers"]


def _checked_model_bin(out_dir, source):
    from irc.bundle.manifest import read_manifest
    manifest = read_manifest(out_dir)
    if manifest["source"]["sha256"] != source.sha256:
        raise IrcError(f"{out_dir} was compiled from another model (sha256 {manifest['source']['sha256'][:12]}…, "
                       f"{source.path.name} is {source.sha256[:12]}…)")
    return out_dir / "model.bin"


def _describe_input(options):
    return f"input {options.input_path}" if options.input_path else f"random input (uniform -1..1, seed {options.seed})"
