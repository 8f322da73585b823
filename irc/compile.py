"""irc compile: source -> ONNX -> IR -> passes -> Keras layer graph -> files in OUT.

Files are written to a fresh directory beside OUT and renamed into place at the end, so
OUT is either the complete result or untouched.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from irc.build import PipelineOptions, SourceOptions, build_graph
from irc.bundle import probe
from irc.bundle.manifest import MANIFEST, build_manifest, pipeline_entry, write_manifest
from irc.bundle.page import write_page
from irc.bundle.report import write_report
from irc.errors import IrcError
from irc.lower.lower import lower
from irc.targets import get_target
from irc.targets.quantize import Quantization


@dataclass
class CompileOptions(SourceOptions, PipelineOptions):
    targets: list = field(default_factory=lambda: ["kerasjs"])
    quantize_keep: str = None        # regular expression of "<layer>/<param>" kept in float32
    force: bool = False
    probe: bool = True               # run the emitted files once and report their error
    runtime: str = None              # --runtime: the Keras.js build the page bundles and the probe runs


def compile_model(model_path, out_dir, options=None):
    options = options or CompileOptions()
    out_dir = Path(out_dir)
    _check_out_dir(out_dir, options.force)
    quantization = Quantization(options.quantize, options.quantize_keep)
    targets = _targets(options.targets, quantization)
    references = []       # the source framework's own run, taken while the source holds its weights
    take_reference = (lambda source, graph: references.append(probe.source_reference(source))) \
        if options.probe else None
    built = build_graph(model_path, options, options, on_import=take_reference)
    model = lower(built.graph)
    source_batch = built.graph.source_batch
    built.graph = None    # memory: the IR is done with once lowered
    reference = references[0] if references else None
    with _staging(out_dir, options.force) as staging:
        files = {t.name: _emit(t, model, staging, quantization, options.runtime) for t in targets}
        fidelity = [probe.measure(model, t, staging, reference, options.runtime) for t in targets] if reference else []
        if not quantization.mode:         # quantized compiles have their own expected error
            _refuse_a_miss(fidelity, model_path, options, reference, built.source.path)
        page = write_page(staging, [t.name for t in targets], options.runtime)
        write_manifest(build_manifest(model, built.source, files, pipeline_entry(options, built.passes), page,
                                      source_batch), staging / MANIFEST)
        # No timing in OUT: compiling the same input twice gives byte-identical files.
        write_report(staging / "report.md", model, built.source, built.pass_log, fidelity, quantization)
    return model, fidelity


def _refuse_a_miss(fidelity, model_path, options, reference, source_path):
    for result in fidelity:
        miss = probe.first_miss(result)
        if miss:
            # The rare path: it builds the graph a second time.
            from irc.check.locate import locate_probe_failure
            where = locate_probe_failure(model_path, options, *reference, result.target)
            raise IrcError(probe.miss_message(result, *miss, source_path, where))


def _targets(names, quantization):
    targets = [get_target(name) for name in names]
    if not targets:
        raise IrcError("--target: name at least one target")
    for target in targets:
        if quantization.mode and quantization.mode not in target.quantizes:
            stores = ", ".join(target.quantizes) or "float32 only"
            raise IrcError(f"--quantize {quantization.mode}: target {target.name} cannot store it ({stores})")
    return targets


def _emit(target, model, staging, quantization, runtime):
    files = target.write(model, staging, quantization)
    entry = {"files": files, "runtime": target.runtime, "quantization": quantization.mode or "float32",
             "bytes": sum((staging / f).stat().st_size for f in files)}
    if target.runtimes:
        entry["build"] = target.build(runtime)      # the build that probed (and the page runs)
    return entry


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
