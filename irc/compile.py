"""irc compile: source -> ONNX -> IR -> passes -> Keras layer graph -> files in OUT.

Files are written to a fresh directory beside OUT and renamed into place at the end, so
OUT is either the complete result or untouched.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from irc.bundle import probe
from irc.errors import IrcError
from irc.frontend.onnx_import import import_onnx
from irc.lower.lower import lower
from irc.bundle.manifest import MANIFEST, build_manifest, write_manifest
from irc.bundle.page import write_page
from irc.bundle.report import write_report
from irc.targets.quantize import Quantization
from irc.frontend.source import load_source
from irc.targets import get_target

@dataclass
class CompileOptions:
    arch: str = None
    arch_args: str = None
    input_shape: tuple = None
    framework: str = None            # None: from the model path
    weights: str = None              # PyTorch state dict
    exporter: str = None             # PyTorch: "torchscript" (default) or "dynamo"
    targets: list = field(default_factory=lambda: ["kerasjs"])
    quantize: str = None             # None (float32), "uint8" or "float16"
    quantize_keep: str = None        # regular expression of "<layer>/<param>" kept in float32
    force: bool = False
    probe: bool = True               # run the emitted files once and report their error
    passes: list = None              # None: the default pipeline
    optimize: bool = True            # False: the default pipeline without passes.pipeline.OPTIMIZATIONS
    disable_passes: list = field(default_factory=list)   # optimisation passes to skip
    enable_passes: list = field(default_factory=list)    # opt-in optimisation passes to run
    verify_each: bool = False
    after_each: object = None        # callback(pass name, graph)


def compile_model(model_path, out_dir, options=CompileOptions()):
    out_dir = Path(out_dir)
    _check_out_dir(out_dir, options.force)
    quantization = Quantization(options.quantize, options.quantize_keep)
    targets = _targets(options.targets, quantization)
    source = load_source(model_path, options.arch, options.arch_args, options.input_shape,
                         options.framework, options.weights, options.exporter)
    reference = probe.source_reference(source) if options.probe else None
    graph = import_onnx(source.proto, str(source.path), source.input_shapes, source.weights)
    source.release()                  # weights now live in the IR only (memory target)
    pass_log = _run_passes(graph, options)
    model = lower(graph)
    del graph
    with _staging(out_dir, options.force) as staging:
        files = {t.name: _emit(t, model, staging, quantization) for t in targets}
        fidelity = [probe.measure(model, t, staging, reference) for t in targets] if reference else []
        write_manifest(build_manifest(model, source, files), staging / MANIFEST)
        write_page(staging, [t.name for t in targets])
        # No timing in OUT: compiling the same input twice gives byte-identical files.
        write_report(staging / "report.md", model, source, pass_log, fidelity, quantization)
    return model, fidelity


# Folding a batch norm scales each output channel of a kernel by its own factor, which widens
# the one range an affine-quantized (uint8/uint16) tensor shares: on the ch=1024 generator,
# uint8 gives 42.1 dB with the batch norms kept and 37.0 dB folded. Those keep them as layers.
KEEP_BATCHNORM_WHEN_QUANTIZED = ("uint8", "uint16")


def _disabled_passes(options):
    disabled = list(options.disable_passes)
    if options.quantize in KEEP_BATCHNORM_WHEN_QUANTIZED and "fold-batchnorm" not in disabled:
        disabled.append("fold-batchnorm")
    return disabled


def _run_passes(graph, options):
    from passes.pipeline import run_pipeline
    log = []

    def after_each(name, g):
        log.append((name, len(g.nodes())))
        if options.after_each:
            options.after_each(name, g)

    from passes.pipeline import default_pipeline
    names = options.passes
    if names is None:
        names = default_pipeline(options.optimize, _disabled_passes(options), options.enable_passes)
    elif not options.optimize or options.disable_passes or options.enable_passes:
        raise IrcError("an explicit pass list cannot be combined with optimize=False, disable_passes "
                       "or enable_passes")
    run_pipeline(graph, names, options.verify_each, after_each)
    return log


def _targets(names, quantization):
    targets = [get_target(name) for name in names]
    if not targets:
        raise IrcError("--target: name at least one target")
    for target in targets:
        if quantization.mode and quantization.mode not in target.quantizes:
            stores = ", ".join(target.quantizes) or "float32 only"
            raise IrcError(f"--quantize {quantization.mode}: target {target.name} cannot store it ({stores})")
    return targets


def _emit(target, model, staging, quantization):
    files = target.write(model, staging, quantization)
    return {"files": files, "runtime": target.runtime, "quantization": quantization.mode or "float32",
            "bytes": sum((staging / f).stat().st_size for f in files)}


def _check_out_dir(out_dir, force):
    # OUT is replaced as a whole by a rename: a symbolic link would be replaced, not its
    # target, and the current directory or one above it cannot be renamed away.
    if out_dir.is_symlink():
        raise IrcError(f"{out_dir}: is a symbolic link; give the directory itself (-o {out_dir.resolve()})")
    resolved = out_dir.resolve()
    if resolved == Path.cwd() or resolved in Path.cwd().parents:
        raise IrcError(f"{out_dir}: is the current directory or one above it; irc replaces OUT as a whole: "
                       "give a directory of its own (-o out/NAME)")
    if out_dir.exists() and not out_dir.is_dir():
        raise IrcError(f"{out_dir}: exists and is not a directory")
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise IrcError(f"{out_dir}: exists and is not empty; pass --force to replace it")


class _staging:
    """A temporary directory next to OUT, renamed onto OUT on success, removed on failure."""

    def __init__(self, out_dir, force):
        self.out_dir, self.force = out_dir, force

    def __enter__(self):
        parent = self.out_dir.resolve().parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.irc-", dir=parent))
            self.path.chmod(0o755)          # mkdtemp makes it private; OUT is meant to be served
        except OSError as exc:
            raise IrcError(f"{self.out_dir}: cannot create output directory ({exc.strerror}); "
                           "choose another -o") from None
        return self.path

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            if isinstance(exc, OSError):
                raise IrcError(f"{self.out_dir}: writing failed ({exc.strerror}); nothing was written: "
                               "free some space or choose another -o") from None
            return False
        self._replace_out_dir()
        return False

    def _replace_out_dir(self):
        old = None
        try:
            if self.out_dir.exists():
                old = self.path.with_name(self.path.name + ".old")
                os.rename(self.out_dir, old)
            os.rename(self.path, self.out_dir)
        except OSError as exc:
            if old is not None and old.exists() and not self.out_dir.exists():
                os.rename(old, self.out_dir)        # put the old OUT back
            shutil.rmtree(self.path, ignore_errors=True)
            raise IrcError(f"{self.out_dir}: cannot replace it ({exc.strerror}); it was left as it was") from None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
