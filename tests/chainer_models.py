"""Chainer DCGAN generators with random weights and non-trivial batch-norm statistics."""

import sys
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "dcgan"


def generator_class():
    sys.path.insert(0, str(EXAMPLES))
    try:
        from net import Generator
    finally:
        sys.path.remove(str(EXAMPLES))
    return Generator


def random_generator(ch, seed=0, n_hidden=100):
    """He-scaled weights, biases and BN shifts away from 0, variances far from 1: every
    parameter moves the output, so a mapping mistake anywhere shows in the numbers."""
    gen = generator_class()(n_hidden=n_hidden, ch=ch)
    rng = np.random.RandomState(seed)
    for name, param in gen.namedparams():
        if name.endswith("/W"):
            fan_in = param.shape[0] if "/dc" in name else param.shape[1]
            param.array[...] = rng.normal(0, 1 / np.sqrt(fan_in), param.shape)
        elif name.endswith("gamma"):
            param.array[...] = rng.uniform(0.5, 1.5, param.shape)
        else:
            param.array[...] = rng.normal(0, 0.3, param.shape)
    for bn in (gen.bn0, gen.bn1, gen.bn2, gen.bn3):
        bn.avg_mean[...] = rng.normal(0, 0.5, bn.avg_mean.shape)
        bn.avg_var[...] = rng.uniform(0.3, 3.0, bn.avg_var.shape)
    return gen


def save_random_generator(path, ch, seed=0):
    import chainer
    gen = random_generator(ch, seed)
    chainer.serializers.save_npz(str(path), gen)
    return gen


def chainer_forward(gen, z):
    import chainer
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        return gen(z).array
