"""ChainerCV's SE-ResNeXt-50 (grouped 3x3 convolutions, squeeze-and-excitation blocks),
MobileNetV2 (TensorFlow's 'SAME' padding by F.pad, depthwise convolutions, ReLU6) and
SegNetBasic (LRN, max pooling with indices, F.upsampling_2d with them).

Source: https://github.com/chainer/chainercv, commit 7159616642e0be7c5b3ef380b848e16b7e99355b:
chainercv/links/model/senet/se_resnext.py (SEResNeXt), chainercv/links/model/resnet/resblock.py
(ResBlock, Bottleneck), chainercv/links/connection/seblock.py (SEBlock),
chainercv/links/connection/conv_2d_bn_activ.py (Conv2DBNActiv),
chainercv/links/model/mobilenet/ (mobilenet_v2.py: MobileNetV2; expanded_conv_2d.py,
tf_conv_2d_bn_activ.py, tf_convolution_2d.py, util.py),
chainercv/links/model/segnet/segnet_basic.py (SegNetBasic) and
chainercv/links/model/pickable_sequential_chain.py (PickableSequentialChain).
Copyright (c) 2017 Preferred Networks, Inc., MIT licence.

Changes for irc's zoo: no pretrained weights (no download: prepare_pretrained_model, the
means, the URLs, MobileNetV2's thousand_categories_mode and SegNetBasic's predict go; n_class
defaults to 1000, SegNetBasic's to CamVid's 11);
PickableSequentialChain keeps only what its forward needs when nothing is picked (run every
layer, return the last); no ChainerMN batch norm; MobileNetV2's batch-norm dtype is float32
(the source reads chainer.config.dtype, the same by default). The layers, their order and
their arguments are the source's.
"""

# ruff: noqa: B006, B008 - the source's own code, kept as it is written there

import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np
from chainer import initializers
from chainer.utils import conv


class PickableSequentialChain(chainer.Chain):
    def __init__(self):
        super(PickableSequentialChain, self).__init__()
        self.layer_names = []

    def __setattr__(self, name, value):
        super(PickableSequentialChain, self).__setattr__(name, value)
        if self.within_init_scope and callable(value):
            self.layer_names.append(name)

    def forward(self, x):
        h = x
        for name in self.layer_names:
            h = self[name](h)
        return h


class Conv2DBNActiv(chainer.Chain):
    def __init__(self, in_channels, out_channels, ksize=None,
                 stride=1, pad=0, dilate=1, groups=1, nobias=True,
                 initialW=None, initial_bias=None, activ=F.relu, bn_kwargs={}):
        if ksize is None:
            out_channels, ksize, in_channels = in_channels, out_channels, None
        self.activ = activ
        super(Conv2DBNActiv, self).__init__()
        with self.init_scope():
            self.conv = L.Convolution2D(
                in_channels, out_channels, ksize, stride, pad,
                nobias, initialW, initial_bias, dilate=dilate, groups=groups)
            self.bn = L.BatchNormalization(out_channels, **bn_kwargs)

    def forward(self, x):
        h = self.conv(x)
        h = self.bn(h)
        if self.activ is None:
            return h
        else:
            return self.activ(h)


class SEBlock(chainer.Chain):
    def __init__(self, n_channel, ratio=16):
        super(SEBlock, self).__init__()
        reduction_size = n_channel // ratio
        with self.init_scope():
            self.down = L.Linear(n_channel, reduction_size)
            self.up = L.Linear(reduction_size, n_channel)

    def forward(self, u):
        B, C, H, W = u.shape
        z = F.average(u, axis=(2, 3))
        x = F.relu(self.down(z))
        x = F.sigmoid(self.up(x))
        x = F.reshape(x, x.shape[:2] + (1, 1))
        # Spatial axes of `x` will be broadcasted.
        return u * x


class ResBlock(PickableSequentialChain):
    def __init__(self, n_layer, in_channels, mid_channels,
                 out_channels, stride, dilate=1, groups=1, initialW=None,
                 bn_kwargs={}, stride_first=False, add_seblock=False):
        super(ResBlock, self).__init__()
        # Dilate option is applied to all bottlenecks.
        with self.init_scope():
            self.a = Bottleneck(
                in_channels, mid_channels, out_channels, stride, dilate,
                groups, initialW, bn_kwargs=bn_kwargs, residual_conv=True,
                stride_first=stride_first, add_seblock=add_seblock)
            for i in range(n_layer - 1):
                name = 'b{}'.format(i + 1)
                bottleneck = Bottleneck(
                    out_channels, mid_channels, out_channels, stride=1,
                    dilate=dilate, initialW=initialW, bn_kwargs=bn_kwargs,
                    residual_conv=False, add_seblock=add_seblock,
                    groups=groups)
                setattr(self, name, bottleneck)


class Bottleneck(chainer.Chain):
    def __init__(self, in_channels, mid_channels, out_channels,
                 stride=1, dilate=1, groups=1, initialW=None, bn_kwargs={},
                 residual_conv=False, stride_first=False, add_seblock=False):
        if stride_first:
            first_stride = stride
            second_stride = 1
        else:
            first_stride = 1
            second_stride = stride
        super(Bottleneck, self).__init__()
        with self.init_scope():
            self.conv1 = Conv2DBNActiv(in_channels, mid_channels,
                                       1, first_stride, 0,
                                       nobias=True, initialW=initialW,
                                       bn_kwargs=bn_kwargs)
            # pad = dilate
            self.conv2 = Conv2DBNActiv(mid_channels, mid_channels,
                                       3, second_stride, dilate, dilate,
                                       groups, nobias=True, initialW=initialW,
                                       bn_kwargs=bn_kwargs)
            self.conv3 = Conv2DBNActiv(mid_channels, out_channels, 1, 1, 0,
                                       nobias=True, initialW=initialW,
                                       activ=None, bn_kwargs=bn_kwargs)
            if add_seblock:
                self.se = SEBlock(out_channels)
            if residual_conv:
                self.residual_conv = Conv2DBNActiv(
                    in_channels, out_channels, 1, stride, 0,
                    nobias=True, initialW=initialW,
                    activ=None, bn_kwargs=bn_kwargs)

    def forward(self, x):
        h = self.conv1(x)
        h = self.conv2(h)
        h = self.conv3(h)
        if hasattr(self, 'se'):
            h = self.se(h)
        if hasattr(self, 'residual_conv'):
            residual = self.residual_conv(x)
        else:
            residual = x
        h += residual
        h = F.relu(h)
        return h


class SEResNeXt(PickableSequentialChain):
    _blocks = {
        50: [3, 4, 6, 3],
        101: [3, 4, 23, 3],
    }

    def __init__(self, n_layer, n_class=1000, initialW=None, fc_kwargs={}):
        blocks = self._blocks[n_layer]
        if initialW is None:
            initialW = initializers.HeNormal(scale=1., fan_option='fan_out')
        if 'initialW' not in fc_kwargs:
            fc_kwargs['initialW'] = initializers.Normal(scale=0.01)
        kwargs = {
            'groups': 32, 'initialW': initialW, 'stride_first': False,
            'add_seblock': True}

        super(SEResNeXt, self).__init__()
        with self.init_scope():
            self.conv1 = Conv2DBNActiv(None, 64, 7, 2, 3, nobias=True,
                                       initialW=initialW)
            self.pool1 = lambda x: F.max_pooling_2d(x, ksize=3, stride=2)
            self.res2 = ResBlock(blocks[0], None, 128, 256, 1, **kwargs)
            self.res3 = ResBlock(blocks[1], None, 256, 512, 2, **kwargs)
            self.res4 = ResBlock(blocks[2], None, 512, 1024, 2, **kwargs)
            self.res5 = ResBlock(blocks[3], None, 1024, 2048, 2, **kwargs)
            self.pool5 = lambda x: F.average(x, axis=(2, 3))
            self.fc6 = L.Linear(None, n_class, **fc_kwargs)
            self.prob = F.softmax


class SEResNeXt50(SEResNeXt):
    def __init__(self, n_class=1000, initialW=None, fc_kwargs={}):
        super(SEResNeXt50, self).__init__(50, n_class, initialW, fc_kwargs)


# ---- MobileNetV2 -------------------------------------------------------------------------
def _make_divisible(v, divisor, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    # Make sure that round down does not go down by more than 10%.
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def expand_input_by_factor(n, divisible_by=8):
    return lambda num_inputs: _make_divisible(num_inputs * n, divisible_by)


def _pair(x):
    if hasattr(x, '__getitem__'):
        return x
    return x, x


def _get_pad(in_size, ksize, stride, tf_padding):
    if tf_padding == 'SAME':
        tf_out_size = int(np.ceil(float(in_size) / stride))
    elif tf_padding == 'VALID':
        tf_out_size = int(np.ceil(float(in_size - ksize + 1) / stride))
    pad = int(stride * tf_out_size - in_size + ksize - stride)
    assert conv.get_conv_outsize(in_size + pad, ksize, stride,
                                 0) == tf_out_size
    return pad


def _tf_padding(x, ksize, stride, tf_padding):
    pad_2 = _get_pad(x.shape[2], ksize[0], stride[0], tf_padding)
    pad_3 = _get_pad(x.shape[3], ksize[1], stride[1], tf_padding)
    if pad_2 or pad_3:
        return F.pad(
            x,
            ((0, 0), (0, 0), (pad_2 // 2, int(np.ceil(float(pad_2) / 2))),
             (pad_3 // 2, int(np.ceil(float(pad_3) / 2)))),
            mode='constant')
    else:
        return x


class TFConvolution2D(chainer.Chain):
    def __init__(self,
                 in_channels,
                 out_channels,
                 ksize=None,
                 stride=1,
                 pad='SAME',
                 nobias=False,
                 initialW=None,
                 initial_bias=None,
                 **kwargs):
        super(TFConvolution2D, self).__init__()
        if ksize is None:
            out_channels, ksize, in_channels = in_channels, out_channels, None

        if pad in ('SAME', 'VALID'):  # TF compatible pad
            self.padding = lambda x: _tf_padding(x, _pair(self.conv.ksize),
                                                 _pair(self.conv.stride), pad)
            conv_pad = 0
        else:
            self.padding = None
            assert isinstance(pad, int)
            conv_pad = pad

        with self.init_scope():
            self.conv = L.Convolution2D(in_channels, out_channels, ksize, stride,
                                        conv_pad, nobias, initialW, initial_bias,
                                        **kwargs)

    @property
    def W(self):
        return self.conv.W

    @property
    def b(self):
        return self.conv.b

    def forward(self, x):
        if self.padding is None:
            return self.conv(x)
        else:
            return self.conv(self.padding(x))


class TFConv2DBNActiv(chainer.Chain):
    def __init__(self,
                 in_channels,
                 out_channels,
                 ksize=None,
                 stride=1,
                 pad='SAME',
                 dilate=1,
                 groups=1,
                 nobias=True,
                 initialW=None,
                 initial_bias=None,
                 activ=F.relu,
                 bn_kwargs={}):
        if ksize is None:
            out_channels, ksize, in_channels = in_channels, out_channels, None
        self.activ = activ
        super(TFConv2DBNActiv, self).__init__()
        with self.init_scope():
            self.conv = TFConvolution2D(
                in_channels,
                out_channels,
                ksize,
                stride,
                pad,
                nobias,
                initialW,
                initial_bias,
                dilate=dilate,
                groups=groups)
            self.bn = L.BatchNormalization(out_channels, **bn_kwargs)

    def __call__(self, x):
        h = self.conv(x)
        h = self.bn(h)
        if self.activ is None:
            return h
        else:
            return self.activ(h)


class ExpandedConv2D(chainer.Chain):
    def __init__(self,
                 in_channels,
                 out_channels,
                 expansion_size=expand_input_by_factor(6),
                 expand_pad='SAME',
                 depthwise_stride=1,
                 depthwise_ksize=3,
                 depthwise_pad='SAME',
                 project_pad='SAME',
                 initialW=None,
                 bn_kwargs={}):
        super(ExpandedConv2D, self).__init__()
        with self.init_scope():
            if callable(expansion_size):
                self.inner_size = expansion_size(num_inputs=in_channels)
            else:
                self.inner_size = expansion_size

            def relu6(x):
                return F.clipped_relu(x, 6.)
            if self.inner_size > in_channels:
                self.expand = TFConv2DBNActiv(
                    in_channels,
                    self.inner_size,
                    ksize=1,
                    pad=expand_pad,
                    nobias=True,
                    initialW=initialW,
                    bn_kwargs=bn_kwargs,
                    activ=relu6)
                depthwise_in_channels = self.inner_size
            else:
                depthwise_in_channels = in_channels
            self.depthwise = TFConv2DBNActiv(
                depthwise_in_channels,
                self.inner_size,
                ksize=depthwise_ksize,
                stride=depthwise_stride,
                pad=depthwise_pad,
                nobias=True,
                initialW=initialW,
                groups=depthwise_in_channels,
                bn_kwargs=bn_kwargs,
                activ=relu6)
            self.project = TFConv2DBNActiv(
                self.inner_size,
                out_channels,
                ksize=1,
                pad=project_pad,
                nobias=True,
                initialW=initialW,
                bn_kwargs=bn_kwargs,
                activ=None)

    def __call__(self, x):
        h = x
        if hasattr(self, "expand"):
            h = self.expand(x)
        h = self.depthwise(h)
        h = self.project(h)
        if h.shape == x.shape:
            h += x
        return h


def _depth_multiplied_output_channels(base_out_channels,
                                      multiplier,
                                      divisable_by=8,
                                      min_depth=8):
    return _make_divisible(base_out_channels * multiplier, divisable_by,
                           min_depth)


class MobileNetV2(PickableSequentialChain):
    # Batch normalization replicating default tensorflow slim parameters
    # as used in the original tensorflow implementation.
    _bn_tf_default_params = {
        "decay": 0.999,
        "eps": 0.001,
        "dtype": np.float32
    }

    def __init__(self,
                 n_class=1000,
                 initialW=None,
                 initial_bias=None,
                 depth_multiplier=1.,
                 bn_kwargs=_bn_tf_default_params):
        if depth_multiplier <= 0:
            raise ValueError('depth_multiplier must be greater than 0')
        self.n_class = n_class

        super(MobileNetV2, self).__init__()

        def relu6(x):
            return F.clipped_relu(x, 6.)
        with self.init_scope():
            conv_out_channels = _depth_multiplied_output_channels(
                32, depth_multiplier)
            self.conv = TFConv2DBNActiv(
                in_channels=3,
                out_channels=conv_out_channels,
                stride=2,
                ksize=3,
                nobias=True,
                activ=relu6,
                initialW=initialW,
                bn_kwargs=bn_kwargs)
            expanded_out_channels = _depth_multiplied_output_channels(
                16, depth_multiplier)
            self.expanded_conv = ExpandedConv2D(
                expansion_size=expand_input_by_factor(1, divisible_by=1),
                in_channels=conv_out_channels,
                out_channels=expanded_out_channels,
                initialW=initialW,
                bn_kwargs=bn_kwargs)
            in_channels = expanded_out_channels
            out_channels_list = (24, ) * 2 + (32, ) * 3 + (64, ) * 4 + (
                96, ) * 3 + (160, ) * 3 + (320, )
            for i, out_channels in enumerate(out_channels_list):
                layer_id = i + 1
                if layer_id in (1, 3, 6, 13):
                    stride = 2
                else:
                    stride = 1
                multiplied_out_channels = _depth_multiplied_output_channels(
                    out_channels, depth_multiplier)
                setattr(self, "expanded_conv_{}".format(layer_id),
                        ExpandedConv2D(
                            in_channels=in_channels,
                            out_channels=multiplied_out_channels,
                            depthwise_stride=stride,
                            initialW=initialW,
                            bn_kwargs=bn_kwargs))
                in_channels = multiplied_out_channels
            if depth_multiplier < 1:
                conv1_out_channels = 1280
            else:
                conv1_out_channels = _depth_multiplied_output_channels(
                    1280, depth_multiplier)
            self.conv1 = TFConv2DBNActiv(
                in_channels=in_channels,
                out_channels=conv1_out_channels,
                ksize=1,
                nobias=True,
                initialW=initialW,
                activ=relu6,
                bn_kwargs=bn_kwargs)
            self.global_average_pool = \
                lambda x: F.average_pooling_2d(x, ksize=x.shape[2:4], stride=1)
            self.logits_conv = TFConvolution2D(
                in_channels=conv1_out_channels,
                out_channels=self.n_class,
                ksize=1,
                nobias=False,  # bias is needed
                initialW=initialW,
                initial_bias=initial_bias,
            )
            self.squeeze = lambda x: F.squeeze(x, axis=(2, 3))
            self.softmax = F.softmax


# ---- SegNetBasic -------------------------------------------------------------------------
class SegNetBasic(chainer.Chain):
    def __init__(self, n_class=11, initialW=None):
        self.n_class = n_class

        if initialW is None:
            initialW = chainer.initializers.HeNormal()

        super(SegNetBasic, self).__init__()
        with self.init_scope():
            self.conv1 = L.Convolution2D(
                None, 64, 7, 1, 3, nobias=True, initialW=initialW)
            self.conv1_bn = L.BatchNormalization(64, initial_beta=0.001)
            self.conv2 = L.Convolution2D(
                64, 64, 7, 1, 3, nobias=True, initialW=initialW)
            self.conv2_bn = L.BatchNormalization(64, initial_beta=0.001)
            self.conv3 = L.Convolution2D(
                64, 64, 7, 1, 3, nobias=True, initialW=initialW)
            self.conv3_bn = L.BatchNormalization(64, initial_beta=0.001)
            self.conv4 = L.Convolution2D(
                64, 64, 7, 1, 3, nobias=True, initialW=initialW)
            self.conv4_bn = L.BatchNormalization(64, initial_beta=0.001)
            self.conv_decode4 = L.Convolution2D(
                64, 64, 7, 1, 3, nobias=True, initialW=initialW)
            self.conv_decode4_bn = L.BatchNormalization(64, initial_beta=0.001)
            self.conv_decode3 = L.Convolution2D(
                64, 64, 7, 1, 3, nobias=True, initialW=initialW)
            self.conv_decode3_bn = L.BatchNormalization(64, initial_beta=0.001)
            self.conv_decode2 = L.Convolution2D(
                64, 64, 7, 1, 3, nobias=True, initialW=initialW)
            self.conv_decode2_bn = L.BatchNormalization(64, initial_beta=0.001)
            self.conv_decode1 = L.Convolution2D(
                64, 64, 7, 1, 3, nobias=True, initialW=initialW)
            self.conv_decode1_bn = L.BatchNormalization(64, initial_beta=0.001)
            self.conv_classifier = L.Convolution2D(
                64, self.n_class, 1, 1, 0, initialW=initialW)

    def _upsampling_2d(self, x, indices):
        if x.shape != indices.shape:
            min_h = min(x.shape[2], indices.shape[2])
            min_w = min(x.shape[3], indices.shape[3])
            x = x[:, :, :min_h, :min_w]
            indices = indices[:, :, :min_h, :min_w]
        outsize = (x.shape[2] * 2, x.shape[3] * 2)
        return F.upsampling_2d(x, indices, ksize=2, stride=2, outsize=outsize)

    def forward(self, x):
        h = F.local_response_normalization(x, 5, 1, 1e-4 / 5., 0.75)
        h, indices1 = F.max_pooling_2d(
            F.relu(self.conv1_bn(self.conv1(h))), 2, 2, return_indices=True)
        h, indices2 = F.max_pooling_2d(
            F.relu(self.conv2_bn(self.conv2(h))), 2, 2, return_indices=True)
        h, indices3 = F.max_pooling_2d(
            F.relu(self.conv3_bn(self.conv3(h))), 2, 2, return_indices=True)
        h, indices4 = F.max_pooling_2d(
            F.relu(self.conv4_bn(self.conv4(h))), 2, 2, return_indices=True)
        h = self._upsampling_2d(h, indices4)
        h = self.conv_decode4_bn(self.conv_decode4(h))
        h = self._upsampling_2d(h, indices3)
        h = self.conv_decode3_bn(self.conv_decode3(h))
        h = self._upsampling_2d(h, indices2)
        h = self.conv_decode2_bn(self.conv_decode2(h))
        h = self._upsampling_2d(h, indices1)
        h = self.conv_decode1_bn(self.conv_decode1(h))
        score = self.conv_classifier(h)
        return score
