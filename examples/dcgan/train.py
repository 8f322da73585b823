"""Train irc's DCGAN Generator (net.py) on scikit-learn's bundled 8x8 digits, with Chainer.

    python examples/dcgan/train.py --iterations 4000 --out examples/dcgan/gen.npz

The loss and the optimiser follow Chainer's DCGAN example (examples/dcgan/updater.py and
train_dcgan.py): softplus losses, Adam(alpha=2e-4, beta1=0.5) with weight decay 1e-4, the
generator run in training mode so its batch-norm running statistics are those it sees.
The discriminator (net.py) is a lighter one, and narrower (--dis-ch 32) than the generator:
on a CPU it is most of a step's cost, and a wider one wins so fast that the generator stalls.
The digits (1797 images, nothing downloaded) are upscaled to the generator's output size,
copied to 3 channels and scaled to the sigmoid's range [0, 1].
"""

import argparse
import math
import sys
import time
from pathlib import Path

import chainer
import chainer.functions as F
import numpy as np
from PIL import Image
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from net import Discriminator, Generator  # noqa: E402  (net.py sits beside this script)

DIGITS_MAX = 16.0       # load_digits pixels are counts 0..16


def digit_images(size):
    """(1797, 3, size, size) float32 in [0, 1]: ink is bright, as the generator will draw it."""
    images = load_digits().images.astype(np.float32) / DIGITS_MAX
    resized = [np.asarray(Image.fromarray(im, mode="F").resize((size, size), Image.BILINEAR))
               for im in images]
    gray = np.clip(np.stack(resized), 0.0, 1.0)[:, None]
    return np.repeat(gray, 3, axis=1)


def make_optimizer(model):
    optimizer = chainer.optimizers.Adam(alpha=0.0002, beta1=0.5)
    optimizer.setup(model)
    optimizer.add_hook(chainer.optimizer_hooks.WeightDecay(0.0001))
    return optimizer


def train_step(gen, dis, opt_gen, opt_dis, x_real):
    """One update of each network; returns (loss_gen, loss_dis) as floats."""
    batchsize = len(x_real)
    y_real = dis(x_real)
    y_fake = dis(gen(gen.make_hidden(batchsize)))
    loss_dis = (F.sum(F.softplus(-y_real)) + F.sum(F.softplus(y_fake))) / batchsize
    loss_gen = F.sum(F.softplus(-y_fake)) / batchsize
    dis.cleargrads()
    loss_dis.backward()
    opt_dis.update()
    # y_fake still holds the discriminator before its update, as in Chainer's updater; the
    # gradient that reaches the discriminator here is cleared before its next update.
    gen.cleargrads()
    loss_gen.backward()
    opt_gen.update()
    return float(loss_gen.array), float(loss_dis.array)


def batches(images, batchsize, rng):
    """Endless shuffled minibatches, reshuffled every epoch."""
    while True:
        order = rng.permutation(len(images))
        for start in range(0, len(order) - batchsize + 1, batchsize):
            yield images[order[start:start + batchsize]]


class Progress:
    """One stderr line rewritten in place with \\r: iteration, rate, time left and losses."""

    def __init__(self, total, stream=sys.stderr):
        self.total, self.stream = total, stream
        self.start = self.last = time.perf_counter()

    def update(self, done, losses):
        now = time.perf_counter()
        if now - self.last < 0.5 and done < self.total:
            return
        self.last = now
        rate = done / (now - self.start)
        left = (self.total - done) / rate
        self.stream.write(f"\riteration {done}/{self.total}  {rate:.1f} it/s  {left:4.0f} s left  "
                          f"loss_gen {losses[0]:.4f}  loss_dis {losses[1]:.4f}")
        self.stream.flush()

    def finish(self):
        elapsed = time.perf_counter() - self.start
        self.stream.write(f"\n{self.total} iterations in {elapsed:.1f} s "
                          f"({1000 * elapsed / max(self.total, 1):.1f} ms each)\n")


def train(args):
    # Chainer's initializers and the discriminator's noise draw from numpy's global generator.
    np.random.seed(args.seed)
    gen = Generator(n_hidden=args.n_hidden, bottom_width=args.bottom_width, ch=args.ch)
    dis = Discriminator(bottom_width=args.bottom_width, ch=args.dis_ch)
    opt_gen, opt_dis = make_optimizer(gen), make_optimizer(dis)
    images = digit_images(args.bottom_width * 2 ** 3)   # dc1..dc3 each double the size
    data = batches(images, args.batchsize, np.random.RandomState(args.seed))
    progress = Progress(args.iterations)
    losses = (math.nan, math.nan)
    for done in range(1, args.iterations + 1):
        losses = train_step(gen, dis, opt_gen, opt_dis, next(data))
        progress.update(done, losses)
    progress.finish()
    return gen, losses


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iterations", type=int, default=4000)
    p.add_argument("--out", default=str(Path(__file__).resolve().parent / "gen.npz"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ch", type=int, default=64, help="generator width (Generator's ch)")
    p.add_argument("--dis-ch", type=int, default=32, help="discriminator width")
    p.add_argument("--batchsize", type=int, default=32)
    p.add_argument("--n-hidden", type=int, default=100, help="length of z")
    p.add_argument("--bottom-width", type=int, default=4, help="4 -> 32x32 images")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    # One BLAS thread: these matrices are small, and a second thread only spins (measured on
    # 2 cores: 4000 steps took 0.25 s of CPU each with two threads, 0.16 s with one).
    with threadpool_limits(limits=1, user_api="blas"):
        gen, losses = train(args)
    chainer.serializers.save_npz(args.out, gen)
    print(f"final loss_gen {losses[0]:.4f}  loss_dis {losses[1]:.4f}  -> {args.out}")


if __name__ == "__main__":
    main()
