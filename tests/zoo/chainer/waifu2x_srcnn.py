"""waifu2x's super-resolution networks in Chainer: UpConv7 (waifu2x's default, a 2x upscaler) and
UpResNet10 (residual blocks cropped by slicing, squeeze-and-excitation by F.broadcast_to).

Source: https://github.com/tsurumeso/waifu2x-chainer, lib/srcnn.py (UpConv7, ResBlock,
UpResNet10), commit fbd2f20ec05fd559f114baa837e99eaf82ee5792, Copyright (c) 2016 tsurumeso,
MIT licence.

Unchanged from the source (VGG7 and ResNet10, which the zoo does not use, and the archs
tables are left out). The networks have no normalisation; each convolution is 'valid', so
the output is smaller than 2x the input by 2 x offset.
"""

import chainer
import chainer.functions as F
import chainer.links as L


class UpConv7(chainer.Chain):

    def __init__(self, ch):
        super(UpConv7, self).__init__()
        with self.init_scope():
            self.conv1 = L.Convolution2D(ch, 16, 3)
            self.conv2 = L.Convolution2D(16, 32, 3)
            self.conv3 = L.Convolution2D(32, 64, 3)
            self.conv4 = L.Convolution2D(64, 128, 3)
            self.conv5 = L.Convolution2D(128, 256, 3)
            self.conv6 = L.Convolution2D(256, 256, 3)
            self.conv7 = L.Deconvolution2D(256, ch, 4, 2, 3, nobias=True)

        self.ch = ch
        self.offset = 14
        self.inner_scale = 2

    def __call__(self, x):
        h = F.leaky_relu(self.conv1(x), 0.1)
        h = F.leaky_relu(self.conv2(h), 0.1)
        h = F.leaky_relu(self.conv3(h), 0.1)
        h = F.leaky_relu(self.conv4(h), 0.1)
        h = F.leaky_relu(self.conv5(h), 0.1)
        h = F.leaky_relu(self.conv6(h), 0.1)
        h = self.conv7(h)
        return h


class ResBlock(chainer.Chain):

    def __init__(self, in_channels, out_channels, slope=0.1, r=16, se=False):
        super(ResBlock, self).__init__()
        with self.init_scope():
            self.conv1 = L.Convolution2D(in_channels, out_channels, 3)
            self.conv2 = L.Convolution2D(out_channels, out_channels, 3)

            if in_channels != out_channels:
                self.conv_bridge = L.Convolution2D(
                    in_channels, out_channels, 1)

            if se:
                self.fc1 = L.Linear(out_channels, out_channels // r)
                self.fc2 = L.Linear(out_channels // r, out_channels)

        self.slope = slope

    def __call__(self, x):
        h = F.leaky_relu(self.conv1(x), self.slope)
        h = F.leaky_relu(self.conv2(h), self.slope)

        if hasattr(self, 'conv_bridge'):
            x = self.conv_bridge(x[:, :, 2:-2, 2:-2])
        else:
            x = x[:, :, 2:-2, 2:-2]

        if hasattr(self, 'fc1') and hasattr(self, 'fc2'):
            se = F.relu(self.fc1(F.average(h, axis=(2, 3))))
            se = F.sigmoid(self.fc2(se))[:, :, None, None]
            se = F.broadcast_to(se, h.shape)
            h = h * se

        return h + x


class UpResNet10(chainer.Chain):

    def __init__(self, ch):
        super(UpResNet10, self).__init__()
        with self.init_scope():
            self.conv_pre = L.Convolution2D(ch, 64, 3)
            self.res1 = ResBlock(64, 64, r=4, se=True)
            self.res2 = ResBlock(64, 64, r=4, se=True)
            self.res3 = ResBlock(64, 64, r=4, se=True)
            self.res4 = ResBlock(64, 64, r=4, se=True)
            self.res5 = ResBlock(64, 64, r=4, se=True)
            self.conv_bridge = L.Convolution2D(64, 64, 3)
            self.conv_post = L.Deconvolution2D(64, ch, 4, 2, 3, nobias=True)

        self.ch = ch
        self.offset = 26
        self.inner_scale = 2

    def __call__(self, x):
        h = bridge = F.leaky_relu(self.conv_pre(x), 0.1)
        h = self.res1(h)
        h = self.res2(h)
        h = self.res3(h)
        h = self.res4(h)
        h = self.res5(h)
        h = F.leaky_relu(self.conv_bridge(h), 0.1)
        h = h + bridge[:, :, 11:-11, 11:-11]
        h = self.conv_post(h)
        return h
