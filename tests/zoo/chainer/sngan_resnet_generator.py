"""SN-GAN's ResNet generator for 32x32 images (CIFAR-10), unconditional.

Source: https://github.com/pfnet-research/sngan_projection (gen_models/resblocks.py and
gen_models/resnet_32.py, commit 3ff93ef5f294c3b48c6b2cbc9b0033ee7a103621),
Copyright (c) 2018 Preferred Networks, Inc., MIT licence.

Changes for irc's zoo: only the unconditional path (n_classes=0: plain BatchNormalization,
so the CategoricalConditionalBatchNormalization import and branches go); __call__ takes z
(batchsize, dim_z) instead of sampling it, so irc can trace it with its own input.
The upsampling is the source's: F.unpooling_2d(x, 2, outsize=(2h, 2w)).
"""

import math

import chainer
import chainer.links as L
from chainer import functions as F


def _upsample(x):
    h, w = x.shape[2:]
    return F.unpooling_2d(x, 2, outsize=(h * 2, w * 2))


def upsample_conv(x, conv):
    return conv(_upsample(x))


class Block(chainer.Chain):
    def __init__(self, in_channels, out_channels, hidden_channels=None, ksize=3, pad=1,
                 activation=F.relu, upsample=False):
        super(Block, self).__init__()
        initializer = chainer.initializers.GlorotUniform(math.sqrt(2))
        initializer_sc = chainer.initializers.GlorotUniform()
        self.activation = activation
        self.upsample = upsample
        self.learnable_sc = in_channels != out_channels or upsample
        hidden_channels = out_channels if hidden_channels is None else hidden_channels
        with self.init_scope():
            self.c1 = L.Convolution2D(in_channels, hidden_channels, ksize=ksize, pad=pad, initialW=initializer)
            self.c2 = L.Convolution2D(hidden_channels, out_channels, ksize=ksize, pad=pad, initialW=initializer)
            self.b1 = L.BatchNormalization(in_channels)
            self.b2 = L.BatchNormalization(hidden_channels)
            if self.learnable_sc:
                self.c_sc = L.Convolution2D(in_channels, out_channels, ksize=1, pad=0, initialW=initializer_sc)

    def residual(self, x):
        h = x
        h = self.b1(h)
        h = self.activation(h)
        h = upsample_conv(h, self.c1) if self.upsample else self.c1(h)
        h = self.b2(h)
        h = self.activation(h)
        h = self.c2(h)
        return h

    def shortcut(self, x):
        if self.learnable_sc:
            x = upsample_conv(x, self.c_sc) if self.upsample else self.c_sc(x)
            return x
        else:
            return x

    def __call__(self, x):
        return self.residual(x) + self.shortcut(x)


class ResNetGenerator(chainer.Chain):
    def __init__(self, ch=256, dim_z=128, bottom_width=4, activation=F.relu):
        super(ResNetGenerator, self).__init__()
        self.bottom_width = bottom_width
        self.activation = activation
        self.dim_z = dim_z
        with self.init_scope():
            self.l1 = L.Linear(dim_z, (bottom_width ** 2) * ch, initialW=chainer.initializers.GlorotUniform())
            self.block2 = Block(ch, ch, activation=activation, upsample=True)
            self.block3 = Block(ch, ch, activation=activation, upsample=True)
            self.block4 = Block(ch, ch, activation=activation, upsample=True)
            self.b5 = L.BatchNormalization(ch)
            self.c5 = L.Convolution2D(ch, 3, ksize=3, stride=1, pad=1, initialW=chainer.initializers.GlorotUniform())

    def __call__(self, z):
        h = z
        h = self.l1(h)
        h = F.reshape(h, (h.shape[0], -1, self.bottom_width, self.bottom_width))
        h = self.block2(h)
        h = self.block3(h)
        h = self.block4(h)
        h = self.b5(h)
        h = self.activation(h)
        h = F.tanh(self.c5(h))
        return h
