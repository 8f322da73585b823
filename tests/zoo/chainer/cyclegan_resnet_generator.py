"""CycleGAN's ResNet generator (9 residual blocks) in Chainer, with reflection padding.

Source: https://github.com/wkentaro/chainer-cyclegan, chainer_cyclegan/models/generators.py,
commit 64b811773802e4d755eebb5110735f8953beb220 (a port of the PyTorch CycleGAN generator),
Kentaro Wada, MIT licence (setup.py: license='MIT').

Changes for irc's zoo: the source normalises with its InstanceNormalization link, which
computes the statistics of each image at inference (training-mode batch normalization,
which irc refuses); here each is an L.BatchNormalization(size, decay=0.9, eps=1e-05) in
inference mode (running statistics, with gamma and beta). Everything else, the reflection
pads (F.pad mode='reflect') and the deconvolutions' outsize + 1 included, is the source's.
"""

# ruff: noqa: B007 - the source's own code, kept as it is written there

import chainer
import chainer.functions as F
import chainer.links as L


def InstanceNormalization(size, decay, eps):
    return L.BatchNormalization(size, decay=decay, eps=eps)


class ResnetBlock(chainer.Chain):

    def __init__(self):
        super(ResnetBlock, self).__init__()

        initialW = chainer.initializers.Normal(scale=0.02)
        with self.init_scope():
            self.l0 = lambda x: F.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)],
                                      mode='reflect')
            self.l1 = L.Convolution2D(256, 256, ksize=3, stride=1,
                                      initialW=initialW)
            self.l2 = InstanceNormalization(256, decay=0.9, eps=1e-05)
            self.l3 = lambda x: F.relu(x)
            self.l4 = lambda x: F.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)],
                                      mode='reflect')
            self.l5 = L.Convolution2D(256, 256, ksize=3, stride=1,
                                      initialW=initialW)
            self.l6 = InstanceNormalization(256, decay=0.9, eps=1e-05)

        self.functions = []
        for i in range(0, 7):
            self.functions.append(getattr(self, 'l{:d}'.format(i)))

    def __call__(self, x):
        h = x
        for i, func in enumerate(self.functions):
            h = func(h)
        h = x + h
        return h


class ResnetGenerator(chainer.Chain):

    def __init__(self):
        super(ResnetGenerator, self).__init__()

        initialW = chainer.initializers.Normal(scale=0.02)
        with self.init_scope():
            self.l0 = lambda x: F.pad(x, [(0, 0), (0, 0), (3, 3), (3, 3)],
                                      mode='reflect')
            self.l1 = L.Convolution2D(3, 64, ksize=7, stride=1,
                                      initialW=initialW)
            self.l2 = InstanceNormalization(64, decay=0.9, eps=1e-05)
            self.l3 = lambda x: F.relu(x)
            self.l4 = L.Convolution2D(64, 128, ksize=3, stride=2, pad=1,
                                      initialW=initialW)
            self.l5 = InstanceNormalization(128, decay=0.9, eps=1e-05)
            self.l6 = lambda x: F.relu(x)
            self.l7 = L.Convolution2D(128, 256, ksize=3, stride=2, pad=1,
                                      initialW=initialW)
            self.l8 = InstanceNormalization(256, decay=0.9, eps=1e-05)
            self.l9 = lambda x: F.relu(x)
            self.l10 = ResnetBlock()
            self.l11 = ResnetBlock()
            self.l12 = ResnetBlock()
            self.l13 = ResnetBlock()
            self.l14 = ResnetBlock()
            self.l15 = ResnetBlock()
            self.l16 = ResnetBlock()
            self.l17 = ResnetBlock()
            self.l18 = ResnetBlock()
            self.l19 = L.Deconvolution2D(256, 128, ksize=3, stride=2, pad=1,
                                         initialW=initialW)
            self.l20 = InstanceNormalization(128, decay=0.9, eps=1e-05)
            self.l21 = lambda x: F.relu(x)
            self.l22 = L.Deconvolution2D(128, 64, ksize=3, stride=2, pad=1,
                                         initialW=initialW)
            self.l23 = InstanceNormalization(64, decay=0.9, eps=1e-05)
            self.l24 = lambda x: F.relu(x)
            self.l25 = lambda x: F.pad(x, [(0, 0), (0, 0), (3, 3), (3, 3)],
                                       mode='reflect')
            self.l26 = L.Convolution2D(64, 3, ksize=7, stride=1,
                                       initialW=initialW)
            self.l27 = lambda x: F.tanh(x)

        self.functions = []
        for i in range(0, 28):
            self.functions.append(getattr(self, 'l{:d}'.format(i)))

    def __call__(self, x):
        h = x
        for i, func in enumerate(self.functions):
            if isinstance(func, L.Deconvolution2D):
                # 1 padding to the output
                outsize_h = chainer.utils.conv.get_deconv_outsize(
                    size=h.shape[2], k=func.ksize, s=func.stride[0],
                    p=func.pad[0])
                outsize_w = chainer.utils.conv.get_deconv_outsize(
                    size=h.shape[3], k=func.ksize, s=func.stride[1],
                    p=func.pad[1])
                func.outsize = (outsize_h + 1, outsize_w + 1)
                h = func(h)
            else:
                h = func(h)
        return h
