"""Where a failed compile probe goes wrong: in the export, or at which Keras.js layer.

Run only when the probe fails, so it may cost a second build of the graph: ONNX Runtime
then runs the exported ONNX on the probe input with every tensor exposed. If its outputs
already miss the source framework's, the export is at fault (it holds something computed
from the traced input); otherwise the emitted Keras.js files are run layer by layer and
the first layer over tolerance is named, as `irc check` would.
"""

import contextlib
import dataclasses
import io

from irc.build import build_graph
from irc.check.check import kerasjs_layer_outputs, layer_diffs
from irc.check.compare import Tolerance
from irc.check.onnx_reference import reference_model, run_all_tensors
from irc.fidelity import fidelity_bound
from irc.lower.lower import lower


class ProbeTolerance(Tolerance):
    """The compile probe's allowance (irc/fidelity.py), per tensor."""

    def __init__(self):
        super().__init__(1e-4, 1e-4)

    def bound(self, scale):
        return fidelity_bound(scale)

    def __str__(self):
        return "1e-4 x max(1, the reference's largest magnitude)"


TOLERANCE = ProbeTolerance()


def locate_probe_failure(model_path, options, framework, probe, target):
    """-> one sentence: the export's own error, or the first Keras.js layer over tolerance
    (`irc check` compares the other targets layer by layer)."""
    quiet = dataclasses.replace(options, print_after=None, verbose=False)
    found = {}

    def on_import(source, graph):
        # A model compiled from batch N > 1 is a batch-1 graph: its first sample stands for all.
        found["feeds"] = {name: probe.inputs[name][:1] for name in graph.inputs}
        found["reference"] = run_all_tensors(reference_model(source.proto, source.weights, graph.source_batch),
                                             found["feeds"])

    with contextlib.redirect_stderr(io.StringIO()):     # the first build already gave its warnings
        built = build_graph(model_path, quiet, quiet, on_import=on_import)
    if framework != "ONNX Runtime":
        export = _export_error(found["reference"], {name: y[:1] for name, y in probe.outputs.items()})
        if export.over:
            return (f"the exported ONNX itself is off by {export.abs:.2e} from {framework} (ONNX Runtime on "
                    "the probe input): the export holds something that depends on the traced input (a value "
                    "computed from it, or a branch taken on it)")
    matches = "" if framework == "ONNX Runtime" else f"the export matches {framework}; "
    if target != "kerasjs":
        return f"{matches}`irc check` names the first {target} layer that differs"
    return matches + _first_kerasjs_layer(built.graph, found["feeds"], found["reference"], options.runtime)


def _export_error(reference, framework_outputs):
    return max((TOLERANCE.compare(reference[name], expected) for name, expected in framework_outputs.items()),
               key=lambda diff: (diff.over, diff.abs))


def _first_kerasjs_layer(graph, feeds, reference, runtime):
    model = lower(graph)
    outputs = kerasjs_layer_outputs(model, feeds, None, runtime)
    if isinstance(outputs, str):
        return f"Keras.js could not be run layer by layer: {outputs}"
    layers = [layer for layer in model.layers if layer.class_name != "InputLayer"]
    for layer, diff in layer_diffs(layers, graph, reference, TOLERANCE, outputs):
        if not isinstance(diff, str) and diff.over:
            return f"Keras.js first differs at layer {layer.name} ({layer.class_name}, from {layer.source}) by {diff.abs:.2e}"
    return "no single Keras.js layer is over tolerance (irc check shows every layer)"
