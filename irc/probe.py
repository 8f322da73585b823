"""The compile report's fidelity line: run the emitted files on the probe input and
compare each output with what the source framework computed for the same input."""

from dataclasses import dataclass

import numpy as np

from irc.errors import IrcError


@dataclass
class ProbeResult:
    reference: str                 # "Chainer", "PyTorch" or "ONNX Runtime"
    errors: dict = None            # {output source name: (max abs, max abs / max |reference|)}
    skipped: str = ""              # why there is no number

    def summary(self):
        if self.skipped:
            return f"probe skipped: {self.skipped}"
        worst = max(e for e, _ in self.errors.values())
        return f"probe max abs error {worst:.1e} vs {self.reference}"


def source_reference(source):
    """(framework name, Probe) from the source: Chainer's or PyTorch's own run, or ONNX Runtime's."""
    if source.probe is not None:
        return {"torch": "PyTorch"}.get(source.framework, "Chainer"), source.probe
    try:
        from irc.check.onnx_reference import reference_model, run_all_tensors
        from irc.frontend.chainer_frontend import Probe
        import onnxruntime  # noqa: F401  (only to ask whether it is there)
    except ImportError:
        return "ONNX Runtime", None
    rng = np.random.default_rng(0)
    feeds = {vi.name: rng.uniform(-1, 1, source.input_shapes.get(vi.name) or
                                  [d.dim_value for d in vi.type.tensor_type.shape.dim]).astype(np.float32)
             for vi in source.proto.graph.input if vi.name not in {t.name for t in source.proto.graph.initializer}}
    outputs = run_all_tensors(reference_model(source.proto, None), feeds)
    return "ONNX Runtime", Probe(feeds, {o.name: outputs[o.name] for o in source.proto.graph.output})


def measure(model, model_bin, reference):
    name, probe = reference
    if probe is None:
        return ProbeResult(name, skipped=f"{name} is not installed")
    from irc.kerasjs_runtime import run_model_bin
    feeds = {spec.layer: probe.inputs[spec.source_name].transpose(spec.perm)[0] for spec in model.inputs}
    try:
        outputs = run_model_bin(model_bin, feeds)["outputs"]
    except IrcError as exc:
        return ProbeResult(name, skipped=str(exc))
    errors = {}
    for spec in model.outputs:
        got = np.asarray(outputs[spec.layer]).reshape(spec.shape).transpose(np.argsort(spec.perm))
        expected = probe.outputs[spec.source_name]
        error = float(np.abs(got - expected).max())
        errors[spec.source_name] = (error, error / max(float(np.abs(expected).max()), 1e-30))
    return ProbeResult(name, errors)
