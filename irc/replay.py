"""check/dump --out OUT: the pipeline OUT/manifest.json records, run again on the same model,
so the IR and the layers are the ones OUT was compiled from."""

from dataclasses import replace

from irc.bundle.manifest import MANIFEST, read_manifest
from irc.errors import IrcError


def replay_pipeline(out_dir, given):
    """-> `given` (PipelineOptions) running OUT's passes. Graph-shaping flags in `given` must
    say what OUT was compiled with."""
    record = read_manifest(out_dir).get("pipeline")
    if record is None:
        raise IrcError(f"{out_dir}/{MANIFEST}: records no pipeline (an older irc wrote it); compile it again")
    for flag, value, recorded in _shaping_flags(given, record):
        if value and value != recorded:
            raise IrcError(f"{flag} contradicts {out_dir}/{MANIFEST} (compiled with {_describe(record)}); "
                           "drop it: --out replays OUT's pipeline")
    _check_registered(out_dir, record)
    return replace(given, passes=list(record["passes"]), optimize=True, disable_passes=[], enable_passes=[],
                   quantize=record["quantize"])


def check_source(out_dir, source):
    """Refuse an OUT compiled from another model than `source`."""
    recorded = read_manifest(out_dir)["source"]["sha256"]
    if recorded != source.sha256:
        raise IrcError(f"{out_dir} was compiled from another model (sha256 {recorded[:12]}…, "
                       f"{source.path.name} is {source.sha256[:12]}…)")


def _shaping_flags(given, record):
    """(flag, its value in given (falsy: not given), the value OUT was compiled with)."""
    return [("--no-optimize", not given.optimize, not record["optimize"]),
            ("--disable-pass", sorted(given.disable_passes), sorted(record["disable"])),
            ("--enable-pass", sorted(given.enable_passes), sorted(record["enable"])),
            ("--quantize", given.quantize, record["quantize"])]


def _describe(record):
    flags = ([] if record["optimize"] else ["--no-optimize"]) \
        + [f"--disable-pass {name}" for name in record["disable"]] \
        + [f"--enable-pass {name}" for name in record["enable"]] \
        + ([f"--quantize {record['quantize']}"] if record["quantize"] else [])
    return " ".join(flags) or "the default pipeline"


def _check_registered(out_dir, record):
    from passes.registry import PASSES
    for name in record["passes"]:
        if name not in PASSES:
            files = " ".join(f"--passes {plugin}" for plugin in record["plugins"]) or "--passes FILE.py"
            raise IrcError(f"{out_dir}/{MANIFEST}: pass {name} is not registered; give {files} "
                           "(the file that registers it)")
