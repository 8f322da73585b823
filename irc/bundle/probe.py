"""The compile report's fidelity line: run the emitted files on the probe input and
compare each output with what the source framework computed for the same input.

The probe input is not the one the model was traced on (irc/frontend/probe_inputs.py); a
float32 compile over tolerance fails."""

from dataclasses import dataclass

import numpy as np

from irc.bundle.run import split_samples, stack_samples
from irc.errors import IrcError
from irc.fidelity import fidelity_bound


@dataclass
class ProbeResult:
    target: str
    reference: str                 # "Chainer", "PyTorch" or "ONNX Runtime"
    errors: dict = None            # {output source name: OutputError}
    skipped: str = ""              # why there is no number

    def summary(self):
        if self.skipped:
            return f"{self.target} probe skipped: {self.skipped}"
        worst = max(e.max_abs for e in self.errors.values())
        return f"{self.target} probe max abs error {worst:.1e} vs {self.reference}"


@dataclass
class OutputError:
    max_abs: float
    relative: float                # max_abs / max |reference|
    psnr: float = None             # dB over the reference's range, for image-like outputs
    reference_max: float = 0.0     # max |reference|

    @property
    def tolerance(self):
        """A float32 compile's allowance (irc/fidelity.py)."""
        return fidelity_bound(self.reference_max)


def output_error(got, expected):
    error = np.abs(got.astype(np.float64) - expected)
    peak = float(np.abs(expected).max())
    relative = float(error.max()) / max(peak, 1e-30)
    return OutputError(float(error.max()), relative, _psnr(error, expected) if _image_like(expected) else None, peak)


def _image_like(array):
    """N x C x H x W with 1, 3 or 4 channels, as a generator's output is."""
    return array.ndim == 4 and array.shape[1] in (1, 3, 4) and min(array.shape[2:]) >= 8


def _psnr(error, expected):
    mse = float(np.mean(error ** 2))
    peak = float(np.ptp(expected))
    return float("inf") if mse == 0 else 10 * np.log10(peak ** 2 / mse)


def source_reference(source):
    """(framework name, Probe) from the source: Chainer's or PyTorch's own run, or ONNX Runtime's."""
    if source.probe is not None:
        return {"torch": "PyTorch"}.get(source.framework, "Chainer"), source.probe
    try:
        import onnxruntime  # noqa: F401  (only to ask whether it is there)

        from irc.check.onnx_reference import reference_model, run_all_tensors
        from irc.frontend.chainer_frontend import Probe
        from irc.frontend.probe_inputs import PROBE_SEED, seeded_input
    except ImportError:
        return "ONNX Runtime", None
    consts = {t.name for t in source.proto.graph.initializer}
    inputs = [vi for vi in source.proto.graph.input if vi.name not in consts]
    feeds = {vi.name: seeded_input(source.input_shapes.get(vi.name) or
                                   [d.dim_value for d in vi.type.tensor_type.shape.dim], PROBE_SEED + i)
             for i, vi in enumerate(inputs)}
    outputs = run_all_tensors(reference_model(source.proto, None), feeds)
    return "ONNX Runtime", Probe(feeds, {o.name: outputs[o.name] for o in source.proto.graph.output})


def measure(model, target, out_dir, reference, runtime=None):
    name, probe = reference
    if probe is None:
        return ProbeResult(target.name, name, skipped=f"{name} is not installed")
    # A source at batch N > 1 (irc/frontend/batch.py) ran whole; the files run each sample alone.
    first = model.inputs[0]
    samples = split_samples(probe.inputs, len(probe.inputs[first.source_name]) // first.source_shape[0])
    feeds = [{spec.layer: sample[spec.source_name].transpose(spec.perm)[0] for spec in model.inputs}
             for sample in samples]
    try:
        results = target.execute(out_dir, feeds, runtime)
    except IrcError as exc:
        return ProbeResult(target.name, name, skipped=str(exc))
    outputs = stack_samples([{spec.source_name: np.asarray(result[spec.layer]).reshape(spec.shape)
                              .transpose(np.argsort(spec.perm)) for spec in model.outputs} for result in results])
    errors = {output: output_error(got, probe.outputs[output]) for output, got in outputs.items()}
    return ProbeResult(target.name, name, errors)


def first_miss(result):
    """(output name, OutputError) of the first output over its tolerance, or None. A float32
    compile with a miss fails: the probe input is not the one traced, so a value the export
    baked from that input lands here."""
    for name, error in (result.errors or {}).items():
        if not error.max_abs <= error.tolerance:        # NaN misses too
            return name, error
    return None


def miss_message(result, name, error, source_path, where):
    return (f"{source_path}: probe: output {name} of the {result.target} files is off by {error.max_abs:.2e} "
            f"(max |{result.reference}| {error.reference_max:.3g}, tolerance {error.tolerance:.1e}) on an input "
            f"other than the traced one: {where}")
