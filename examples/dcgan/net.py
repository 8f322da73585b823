"""The DCGAN generator and discriminator of Chainer's official example (examples/dcgan/net.py),
with the same parameter names and shapes, so its gen.npz snapshots load here unchanged."""

import chainer
import chainer.functions as F
import chainer.links as L
import numpy


class Generator(chainer.Chain):

    def __init__(self, n_hidden=100, bottom_width=4, ch=512, wscale=0.02):
        super().__init__()
        self.n_hidden = n_hidden
        self.ch = ch
        self.bottom_width = bottom_width
        with self.init_scope():
            w = chainer.initializers.Normal(wscale)
            self.l0 = L.Linear(self.n_hidden, bottom_width * bottom_width * ch, initialW=w)
            self.dc1 = L.Deconvolution2D(ch, ch // 2, 4, 2, 1, initialW=w)
            self.dc2 = L.Deconvolution2D(ch // 2, ch // 4, 4, 2, 1, initialW=w)
            self.dc3 = L.Deconvolution2D(ch // 4, ch // 8, 4, 2, 1, initialW=w)
            self.dc4 = L.Deconvolution2D(ch // 8, 3, 3, 1, 1, initialW=w)
            self.bn0 = L.BatchNormalization(bottom_width * bottom_width * ch)
            self.bn1 = L.BatchNormalization(ch // 2)
            self.bn2 = L.BatchNormalization(ch // 4)
            self.bn3 = L.BatchNormalization(ch // 8)

    def make_hidden(self, batchsize):
        return numpy.random.uniform(-1, 1, (batchsize, self.n_hidden, 1, 1)).astype(numpy.float32)

    def forward(self, z):
        h = F.reshape(F.relu(self.bn0(self.l0(z))),
                      (len(z), self.ch, self.bottom_width, self.bottom_width))
        h = F.relu(self.bn1(self.dc1(h)))
        h = F.relu(self.bn2(self.dc2(h)))
        h = F.relu(self.bn3(self.dc3(h)))
        x = F.sigmoid(self.dc4(h))
        return x


def add_noise(h, sigma=0.2):
    """Gaussian noise on the discriminator's activations while training (as Chainer's example
    does): it keeps D from becoming certain too early and starving G of gradient."""
    if not chainer.config.train:
        return h
    return h + sigma * numpy.random.randn(*h.shape).astype(numpy.float32)


class Discriminator(chainer.Chain):
    """Chainer's DCGAN discriminator without its 3x3 stride-1 convolutions: four 4x4
    stride-2 ones halve the image down to bottom_width, then one logit. The stride-1 layers
    cost three quarters of a training step on a CPU and digits do not need them."""

    def __init__(self, bottom_width=4, ch=512, wscale=0.02):
        super().__init__()
        w = chainer.initializers.Normal(wscale)
        with self.init_scope():
            self.c0 = L.Convolution2D(3, ch // 4, 4, 2, 1, initialW=w)
            self.c1 = L.Convolution2D(ch // 4, ch // 2, 4, 2, 1, initialW=w)
            self.c2 = L.Convolution2D(ch // 2, ch // 1, 4, 2, 1, initialW=w)
            self.l3 = L.Linear(bottom_width * bottom_width * ch, 1, initialW=w)
            self.bn1 = L.BatchNormalization(ch // 2, use_gamma=False)
            self.bn2 = L.BatchNormalization(ch // 1, use_gamma=False)

    def forward(self, x):
        h = add_noise(x)
        h = F.leaky_relu(add_noise(self.c0(h)))
        h = F.leaky_relu(add_noise(self.bn1(self.c1(h))))
        h = F.leaky_relu(add_noise(self.bn2(self.c2(h))))
        return self.l3(h)
