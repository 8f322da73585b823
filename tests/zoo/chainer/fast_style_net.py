"""Fast neural style transfer's image transformation network (Johnson et al.) in Chainer.

Source: https://github.com/yusuketomoto/chainer-fast-neuralstyle, net.py (FastStyleNet,
ResidualBlock), commit cf4a8466d95641b66976034c9411605754f2cf1c,
Copyright (c) 2016 Yusuke Tomoto, MIT licence.

Changes for irc's zoo, from Chainer 1 to Chainer 7: the `test` arguments go (Chainer 7
chooses the batch norm's statistics with chainer.using_config('train', False), as irc runs
it); links are registered by keyword to __init__ as the source does; ResidualBlock's
convolutions drop the source's positional `w` (wscale in Chainer 1, which Chainer 7 would
read as nobias=True); its shortcut's zero channels are built with xp.zeros without
Variable(volatile=...). The layers and the arithmetic are the source's.
"""

import chainer
import chainer.functions as F
import chainer.links as L


class ResidualBlock(chainer.Chain):
    def __init__(self, n_in, n_out, stride=1, ksize=3):
        super(ResidualBlock, self).__init__(
            c1=L.Convolution2D(n_in, n_out, ksize, stride, 1),
            c2=L.Convolution2D(n_out, n_out, ksize, 1, 1),
            b1=L.BatchNormalization(n_out),
            b2=L.BatchNormalization(n_out)
        )

    def __call__(self, x):
        h = F.relu(self.b1(self.c1(x)))
        h = self.b2(self.c2(h))
        if x.data.shape != h.data.shape:
            xp = chainer.backend.get_array_module(x.data)
            n, c, hh, ww = x.data.shape
            pad_c = h.data.shape[1] - c
            p = xp.zeros((n, pad_c, hh, ww), dtype=xp.float32)
            x = F.concat((p, x))
            if x.data.shape[2:] != h.data.shape[2:]:
                x = F.average_pooling_2d(x, 1, 2)
        return h + x


class FastStyleNet(chainer.Chain):
    def __init__(self):
        super(FastStyleNet, self).__init__(
            c1=L.Convolution2D(3, 32, 9, stride=1, pad=4),
            c2=L.Convolution2D(32, 64, 4, stride=2, pad=1),
            c3=L.Convolution2D(64, 128, 4, stride=2, pad=1),
            r1=ResidualBlock(128, 128),
            r2=ResidualBlock(128, 128),
            r3=ResidualBlock(128, 128),
            r4=ResidualBlock(128, 128),
            r5=ResidualBlock(128, 128),
            d1=L.Deconvolution2D(128, 64, 4, stride=2, pad=1),
            d2=L.Deconvolution2D(64, 32, 4, stride=2, pad=1),
            d3=L.Deconvolution2D(32, 3, 9, stride=1, pad=4),
            b1=L.BatchNormalization(32),
            b2=L.BatchNormalization(64),
            b3=L.BatchNormalization(128),
            b4=L.BatchNormalization(64),
            b5=L.BatchNormalization(32),
        )

    def __call__(self, x):
        h = self.b1(F.elu(self.c1(x)))
        h = self.b2(F.elu(self.c2(h)))
        h = self.b3(F.elu(self.c3(h)))
        h = self.r1(h)
        h = self.r2(h)
        h = self.r3(h)
        h = self.r4(h)
        h = self.r5(h)
        h = self.b4(F.elu(self.d1(h)))
        h = self.b5(F.elu(self.d2(h)))
        y = self.d3(h)
        return (F.tanh(y) + 1) * 127.5
