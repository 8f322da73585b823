"""A screenshot of the demo page in headless Chromium drawing sample.py's images: the same
fixed z's, so it sits beside samples.png (Chainer's own drawing) in the README.

    python examples/dcgan/screenshot.py examples/dcgan/gen.npz -o examples/dcgan/browser.png

Compiles the npz into a temporary OUT, serves it on 127.0.0.1 and drives the page with the
browser tests' driver (tests/browser/drive_page.js), in CPU mode.
"""

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from examples.dcgan.sample import GRID, fixed_z  # noqa: E402
from irc.cli import main as irc_main  # noqa: E402
from irc.frontend.chainer_frontend import load_chainer_model  # noqa: E402
from tests.browser.page_driver import drive, served  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("npz")
    p.add_argument("-o", "--out", default="browser.png")
    p.add_argument("--seed", type=int, default=0, help="sample.py's --seed")
    args = p.parse_args(argv)
    n_hidden = load_chainer_model(args.npz).n_hidden
    # (N, n_hidden, 1, 1) -> the runtime layout (1, 1, n_hidden) is the same numbers.
    zs = fixed_z(n_hidden, args.seed).reshape(GRID * GRID, n_hidden).tolist()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "gen"
        if irc_main(["compile", args.npz, "-o", str(out), "--no-probe"]) != 0:
            return 2
        with served(out) as url:
            visit = {"query": f"gpu=0&n={GRID * GRID}", "generate": zs,
                     "screenshot": str(Path(args.out).resolve())}
            (result,) = drive(url, [visit], tmp)
    print(f"{result['status']} {result['mode']} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
