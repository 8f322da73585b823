"""The `irc` command. User mistakes print one line and exit 2 (traceback with --debug);
`irc check` exits 1 when a stage is over tolerance."""

import argparse
import re
import sys
import time
from pathlib import Path

from irc.errors import IrcError


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line too (argparse prints the whole usage first)."""

    def error(self, message):
        self.exit(2, f"irc: error: {message}; see {self.prog} --help\n")


def _source_args(p):
    p.add_argument("model", help="gen.npz (Chainer, with --arch), model.onnx, or net.py:CLASS (PyTorch)")
    p.add_argument("--arch", help="FILE.py:CLASS, the Chainer architecture (default: irc's DCGAN Generator)")
    p.add_argument("--framework", choices=("chainer", "onnx", "torch"),
                   help="the source framework (default: from MODEL; FILE.py:CLASS and .pt/.pth are torch)")
    p.add_argument("--weights", metavar="FILE.pt",
                   help="PyTorch: the state dict to load, read with torch.load(weights_only=True)")
    p.add_argument("--exporter", choices=("torchscript", "dynamo"),
                   help="PyTorch: torch.onnx exporter (default: torchscript)")
    p.add_argument("--arch-args", help="JSON object of constructor arguments, e.g. '{\"ch\": 256}'")
    p.add_argument("--input-shape", help="input shape with batch, e.g. 1,3,32,32")
    p.add_argument("--passes", action="append", default=[], metavar="FILE.py",
                   help="load user passes, ONNX op handlers or lowerings (repeatable)")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="stop after this long, naming the line of user code that was running (default: no limit)")
    # Accepted before or after the subcommand; SUPPRESS keeps a subparser from resetting it.
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


QUANTIZE_SHAPES = "the graph irc compile --quantize builds (uint8, uint16: batch norms kept as layers)"


def _pipeline_args(p, quantize_help):
    """The flags that choose the passes, the same on compile, check and dump (irc/build.py)."""
    p.add_argument("--quantize", choices=["uint8", "float16", "uint16"], help=quantize_help)
    p.add_argument("--no-optimize", action="store_true",
                   help="skip the optional optimisation passes (fold-batchnorm, fuse-activation, drop-no-op)")
    p.add_argument("--disable-pass", action="append", default=[], metavar="NAME",
                   help="skip this optional pass of the default pipeline (repeatable)")
    p.add_argument("--enable-pass", action="append", default=[], metavar="NAME",
                   help="also run this opt-in optimisation (deconv-taps: Keras.js 1.0 CPU; repeatable)")
    p.add_argument("--verify-each", action="store_true", help="check graph invariants after every pass")
    p.add_argument("--print-after", metavar="PASS|all", help="print the IR after a pass (or every pass) to stderr")
    p.add_argument("--verbose", action="store_true",
                   help="one line per pass on stderr: nodes after it, whether it changed the graph, what it left")


def _parser():
    parser = _Parser(prog="irc", description="Compile trained networks for the browser.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compile", help="compile a model into OUT")
    _source_args(c)
    c.add_argument("-o", "--out", help="output directory (default: out/<model name>)")
    c.add_argument("--target", default="kerasjs", help="comma-separated targets (default: kerasjs)")
    _pipeline_args(c, "store weights quantized")
    c.add_argument("--quantize-keep", metavar="PATTERN",
                   help="regular expression of <layer>/<param> weights kept in float32")
    c.add_argument("--force", action="store_true", help="replace OUT if it exists")
    c.add_argument("--no-probe", action="store_true", help="skip running the emitted files on a probe input")
    _runtime_arg(c, "the Keras.js build the page bundles and the probe runs")

    d = sub.add_parser("dump", help="print the IR")
    _source_args(d)
    d.add_argument("--after", metavar="PASS|import|all", help="the IR after this pass (default: after all)")
    d.add_argument("--format", default="text", help="text (default), json, dot or svg")
    d.add_argument("--input", help="annotate every node with its difference from ONNX Runtime on this .npy")
    d.add_argument("-o", "--output", help="write to this file instead of stdout")
    d.add_argument("--out", help="replay the pipeline of this compile output (its manifest.json)")
    _pipeline_args(d, QUANTIZE_SHAPES)

    k = sub.add_parser("check", help="compare every tensor of every stage with ONNX Runtime")
    _source_args(k)
    k.add_argument("--input", help=".npy input in the source layout (default: seeded random)")
    k.add_argument("--atol", type=float, default=1e-5, help="absolute tolerance (default 1e-5)")
    k.add_argument("--rtol", type=float, default=1e-5, help="tolerance relative to each reference's magnitude")
    k.add_argument("--out", help="check the files in this compile output, replaying its pipeline, "
                                 "instead of freshly emitted ones")
    k.add_argument("--stages", default="ir,keras,kerasjs", help="which of ir,keras,kerasjs to run")
    _runtime_arg(k, "the Keras.js build the kerasjs stage runs")
    _pipeline_args(k, QUANTIZE_SHAPES)

    r = sub.add_parser("run", help="run compiled files in Keras.js under Node")
    r.add_argument("out_dir", help="a directory written by irc compile")
    r.add_argument("--input", required=True, help="input .npy in the source layout (batch axis included)")
    r.add_argument("--output", required=True, help="where to write the output .npy (source layout)")
    r.add_argument("--target", help="which of the compiled targets to run (default: the first)")
    _runtime_arg(r, "the Keras.js build that runs the kerasjs files")
    r.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    s = sub.add_parser("serve", help="serve a compile output's demo page on 127.0.0.1")
    s.add_argument("out_dir", help="a directory written by irc compile (with index.html)")
    s.add_argument("--port", type=int, default=8000, help="TCP port (default 8000; 0: any free port)")
    s.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _runtime_arg(p, what):
    from irc.targets.kerasjs import RUNTIMES
    p.add_argument("--runtime", choices=RUNTIMES, default=RUNTIMES[0],
                   help=f"{what}: irc's build of Keras.js 1.0.3 (default, fast CPU kernels) or stock keras-js 1.0.3")


def _load_plugins(args):
    from irc.plugins import load_plugin
    for path in getattr(args, "passes", []):
        load_plugin(path)


def _input_shape(args):
    from irc.frontend.source import parse_input_shape
    return parse_input_shape(args.input_shape)


def _source_options(args):
    return dict(arch=args.arch, arch_args=args.arch_args, input_shape=_input_shape(args),
                framework=args.framework, weights=args.weights, exporter=args.exporter)


def _pipeline_options(args):
    return dict(optimize=not args.no_optimize, disable_passes=args.disable_pass, enable_passes=args.enable_pass,
                quantize=args.quantize, plugins=args.passes, verify_each=args.verify_each,
                print_after=args.print_after, verbose=args.verbose)


def _compile(args):
    from irc.compile import CompileOptions, compile_model
    from irc.frontend.source import model_name
    out = Path(args.out) if args.out else Path("out") / model_name(args.model, args.weights)
    options = CompileOptions(**_source_options(args), **_pipeline_options(args),
                             targets=[t.strip() for t in args.target.split(",") if t.strip()],
                             quantize_keep=args.quantize_keep, force=args.force, probe=not args.no_probe,
                             runtime=args.runtime)
    started = time.perf_counter()
    model, fidelity = compile_model(args.model, out, options)
    probe = "".join(f"; {result.summary()}" for result in fidelity)
    print(f"irc: wrote {out}/ ({len(model.layers)} layers, {model.weight_bytes() / 1e6:.1f} MB of weights{probe}; "
          f"{time.perf_counter() - started:.2f} s)")
    return 0


def _dump(args):
    from irc.check.dump import DumpOptions, dump, write_output
    text = dump(args.model, DumpOptions(**_source_options(args), **_pipeline_options(args), after=args.after,
                                        fmt=args.format, input_path=args.input, out_dir=args.out))
    write_output(text, args.output)
    return 0


def _check(args):
    from irc.check.check import STAGES, CheckOptions, run_check
    stages = tuple(s.strip() for s in args.stages.split(",") if s.strip())
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise IrcError(f"--stages: unknown {', '.join(sorted(unknown))} (known: {', '.join(STAGES)})")
    result = run_check(args.model, CheckOptions(**_source_options(args), **_pipeline_options(args),
                                                input_path=args.input, atol=args.atol, rtol=args.rtol,
                                                stages=stages, out_dir=args.out, runtime=args.runtime))
    print(result.text(), end="")
    return 0 if result.ok else 1


def _run(args):
    from irc.bundle.run import run_out_dir
    run_out_dir(Path(args.out_dir), Path(args.input), Path(args.output), args.target, args.runtime)
    print(f"irc: wrote {args.output}")
    return 0


def _serve(args):
    from irc.bundle.serve import serve
    serve(Path(args.out_dir), args.port)
    return 0


def _time_limit(args):
    from irc.user_code import time_limit
    seconds = getattr(args, "timeout", None)
    if seconds is not None and not 0 < seconds < float("inf"):
        raise IrcError(f"--timeout {seconds:g}: expected a positive number of seconds")
    return time_limit(seconds)


def _one_line(text):
    """Control characters from names in the message (newlines, terminal escapes) shown escaped."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: m.group().encode("unicode_escape").decode(), text)


def main(argv=None):
    from irc.user_code import TimeLimitExceeded, escape_message
    args = _parser().parse_args(argv)
    try:
        with _time_limit(args):
            _load_plugins(args)
            return {"compile": _compile, "dump": _dump, "check": _check, "run": _run,
                    "serve": _serve}[args.command](args)
    except (IrcError, SystemExit, TimeLimitExceeded, MemoryError) as exc:
        if args.debug:
            raise
        message = escape_message(exc) or (f"out of memory ({exc}); check --input-shape and the model's size"
                                          if isinstance(exc, MemoryError) else str(exc))
        print(f"irc: error: {_one_line(message)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("irc: interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
