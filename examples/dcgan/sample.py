"""An 8x8 grid of a generator's images, drawn by Chainer itself (inference mode), as a PNG.

    python examples/dcgan/sample.py examples/dcgan/gen.npz -o examples/dcgan/samples.png

z is uniform in [-1, 1] like Generator.make_hidden, from numpy.random.RandomState(--seed).
The architecture is irc's default (net.py), sized from the npz shapes as `irc compile` does.
"""

import argparse

import chainer
import numpy as np
from PIL import Image

from irc.frontend.chainer_frontend import load_chainer_model

GRID = 8


def fixed_z(n_hidden, seed, count=GRID * GRID):
    return np.random.RandomState(seed).uniform(-1, 1, (count, n_hidden, 1, 1)).astype(np.float32)


def generate(gen, z):
    """(N, 3, H, W) in [0, 1], with the batch-norm running statistics, as irc compiles it."""
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        return gen(z).array


def grid_image(images):
    """(GRID*GRID, 3, H, W) in [0, 1] -> one RGB image, row by row."""
    _, c, h, w = images.shape
    tiles = images.reshape(GRID, GRID, c, h, w).transpose(0, 3, 1, 4, 2).reshape(GRID * h, GRID * w, c)
    return Image.fromarray(np.uint8(np.round(np.clip(tiles, 0, 1) * 255)))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("npz", help="a Generator snapshot written by train.py or Chainer's example")
    p.add_argument("-o", "--out", default="samples.png")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    gen = load_chainer_model(args.npz)
    grid_image(generate(gen, fixed_z(gen.n_hidden, args.seed))).save(args.out, optimize=True)
    print(f"{GRID}x{GRID} samples -> {args.out}")


if __name__ == "__main__":
    main()
