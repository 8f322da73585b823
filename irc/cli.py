"""The `irc` command. User mistakes print one line and exit 2 (traceback with --debug)."""

import argparse
import sys

from irc.errors import IrcError


def _parser():
    parser = argparse.ArgumentParser(prog="irc", description="Compile trained networks for the browser.")
    # Accepted before or after the subcommand; SUPPRESS keeps a subparser from resetting it.
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compile", help="compile a model into OUT")
    c.add_argument("model", help="gen.npz (Chainer, with --arch) or model.onnx")
    c.add_argument("-o", "--out", help="output directory (default: out/<model name>)")
    c.add_argument("--arch", help="FILE.py:CLASS, the Chainer architecture (default: irc's DCGAN Generator)")
    c.add_argument("--arch-args", help="JSON object of constructor arguments, e.g. '{\"ch\": 256}'")
    c.add_argument("--input-shape", help="input shape with batch, e.g. 1,3,32,32")
    c.add_argument("--target", default="kerasjs", help="comma-separated targets (default: kerasjs)")
    c.add_argument("--force", action="store_true", help="replace OUT if it exists")
    c.add_argument("--verify-each", action="store_true", help="check graph invariants after every pass")
    c.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    r = sub.add_parser("run", help="run compiled files in Keras.js under Node")
    r.add_argument("out_dir", help="a directory written by irc compile")
    r.add_argument("--input", required=True, help="input .npy in the source layout (batch axis included)")
    r.add_argument("--output", required=True, help="where to write the output .npy (source layout)")
    r.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _compile(args):
    from pathlib import Path

    from irc.compile import CompileOptions, compile_model
    from irc.source import parse_input_shape
    out = Path(args.out) if args.out else Path("out") / Path(args.model).stem
    options = CompileOptions(arch=args.arch, arch_args=args.arch_args,
                             input_shape=parse_input_shape(args.input_shape),
                             targets=[t.strip() for t in args.target.split(",") if t.strip()],
                             force=args.force, verify_each=args.verify_each)
    model = compile_model(args.model, out, options)
    print(f"irc: wrote {out}/ ({len(model.layers)} layers, {model.weight_bytes() / 1e6:.1f} MB of weights)")


def _run(args):
    from pathlib import Path

    from irc.run import run_out_dir
    run_out_dir(Path(args.out_dir), Path(args.input), Path(args.output))
    print(f"irc: wrote {args.output}")


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        {"compile": _compile, "run": _run}[args.command](args)
    except IrcError as exc:
        if args.debug:
            raise
        print(f"irc: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("irc: interrupted; nothing was written", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
