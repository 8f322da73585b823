"""Chainer architectures for the real-model tests, used as `--arch tests/chainer_archs.py:NAME`."""

import chainer
import chainer.functions as F
import chainer.links as L


class MLP(chainer.Chain):
    def __init__(self, n_in=20, n_hidden=48, n_out=10):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(n_in, n_hidden)
            self.l2 = L.Linear(n_hidden, n_hidden)
            self.l3 = L.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.l3(F.relu(self.l2(F.relu(self.l1(x)))))


class CNN(chainer.Chain):
    """A small classifier whose features are flattened (C, H, W) into a Linear layer."""

    def __init__(self, n_out=10):
        super().__init__()
        with self.init_scope():
            self.conv1 = L.Convolution2D(3, 8, 3, pad=1)
            self.bn1 = L.BatchNormalization(8)
            self.conv2 = L.Convolution2D(8, 12, 3, stride=2, pad=1)
            self.fc = L.Linear(12 * 5 * 4, n_out)

    def forward(self, x):                      # x: (1, 3, 20, 16)
        h = F.max_pooling_2d(F.relu(self.bn1(self.conv1(x))), 2)
        h = F.relu(self.conv2(h))
        return self.fc(F.reshape(h, (len(h), -1)))


class ResNet50(chainer.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.base = L.ResNet50Layers(pretrained_model=None)

    def forward(self, x):
        return self.base(x, layers=["fc6"])["fc6"]


class VGG16(chainer.Chain):
    """Chainer's VGG16 (13 convolutions, 5 max-poolings, fc6-fc8) for SIZE x SIZE inputs: fc6
    takes the (SIZE/32)^2 x 512 features, 2x2x512 at 64x64 (7x7x512 at ImageNet's 224x224:
    12x the multiply-adds, and an fc6 of 103 M weights, 74% of the model's)."""

    SIZE = 64

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.base = L.VGG16Layers(pretrained_model=None)
        del self.base.fc6
        with self.base.init_scope():
            self.base.fc6 = L.Linear(512 * (self.SIZE // 32) ** 2, 4096)

    def forward(self, x):
        return self.base(x, layers=["fc8"])["fc8"]


class InstanceNormNet(chainer.Chain):
    """CycleGAN's instance norm: F.batch_normalization with the link's gamma and beta, which
    normalises by the batch's own statistics (training-mode batch norm) at inference too."""

    def __init__(self, ch=4):
        super().__init__()
        with self.init_scope():
            self.conv1 = L.Convolution2D(3, ch, 3, pad=1)
            self.norm = L.BatchNormalization(ch)
            self.conv2 = L.Convolution2D(ch, 3, 3, pad=1)

    def forward(self, x):
        h = self.conv1(x)
        h = F.batch_normalization(h, self.norm.gamma, self.norm.beta)
        return self.conv2(F.relu(h))


class MeanFromNumpy(chainer.Chain):
    """Centres its features with a mean taken in numpy (h.array.mean()): the trace records
    the traced input's mean as a constant, and nothing in the exported graph says so."""

    def __init__(self, ch=4):
        super().__init__()
        with self.init_scope():
            self.conv1 = L.Convolution2D(3, ch, 3, pad=1)
            self.conv2 = L.Convolution2D(ch, 3, 3, pad=1)

    def forward(self, x):
        h = self.conv1(x)
        return self.conv2(h - h.array.mean())


class SplitAndCrop(chainer.Chain):
    """F.split_axis on the channels into two branches, then F.get_item: channels and a
    border cropped off H and W, an integer index and a list of channels (onnx_chainer:
    Split, Slice, Squeeze, Gather), combined into one output."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.conv = L.Convolution2D(3, 6, 3, pad=1)
            self.left = L.Convolution2D(2, 4, 3, pad=1)
            self.right = L.Convolution2D(4, 4, 1)

    def forward(self, x):
        a, b = F.split_axis(F.relu(self.conv(x)), [2], axis=1)
        h = F.concat([self.left(a), self.right(b)], axis=1)
        picked = h[:, [0, 5, 6, 7, 2, 1], 2:-2, 1:]
        return h[:, 1:-1, 2:-2, 1:] * F.expand_dims(h[:, 3], 1)[:, :, 2:-2, 1:] + picked


class TwoOutputs(chainer.Chain):
    """Two results that onnx_chainer names in another order than forward returns them."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.conv = L.Convolution2D(3, 6, 3, pad=1)

    def forward(self, x):
        h = self.conv(x)
        return F.relu(h)[:, 1:-1, 2:-2, 1:], F.tanh(h)[:, 3]
