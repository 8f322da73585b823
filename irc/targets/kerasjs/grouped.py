"""Grouped and depthwise convolutions for Keras.js 1.0, which has neither: as SeparableConv2D,
or as a Conv2D with a block-diagonal kernel, whichever model.bin stores in fewer bytes.

Keras.js's SeparableConv2D runs a depthwise step (`depth_multiplier` kernels per input
channel) and then a 1x1 pointwise Conv2D. A convolution of G groups, each reading `per_group`
input channels into `out_per_group` outputs, is that with multiplier out_per_group: input
channel i of group g convolved with the kernels of the group's outputs, then the pointwise
kernel adds up the group's per_group partial results of each output; its entries are 0 and 1
(for a depthwise convolution, per_group = 1, the identity: x * 1 plus products with 0, exact
for finite values). They are stored as exact uint8 codes (irc/targets/kerasjs/writer.py), one
byte each: EfficientNet-B0 at 1.35x its parameters' bytes instead of 31x as block-diagonal
Conv2Ds. The depthwise step has no dilation: a dilated kernel is written as the kernel it spans.
"""

import dataclasses

import numpy as np

from irc.lower.grouped import grouped_kernel, is_grouped, spanned_kernel, ungrouped


def separable_grouped(work):
    """Every grouped Conv2D and DepthwiseConv2D becomes the SeparableConv2D or block-diagonal
    Conv2D computing it, under the same name (`work`: irc/targets/kerasjs/legalize.py's Legalization)."""
    for index, layer in enumerate(work.layers):
        if is_grouped(layer):
            kernel, groups = grouped_kernel(layer)
            block_diagonal_bytes = 4 * kernel.size * groups          # float32, `groups` times the grouped kernel
            work.layers[index] = separable(layer) if _separable_bytes(kernel, groups) < block_diagonal_bytes \
                else ungrouped(layer)


def _separable_bytes(kernel, groups):
    """The float32 depthwise kernel's and the uint8 pointwise kernel's bytes."""
    kh, kw, per_group, out = kernel.shape
    channels = per_group * groups
    return channels * (out // groups) * (4 * kh * kw + out)


def separable(layer):
    kernel, groups = grouped_kernel(layer)
    kernel = spanned_kernel(kernel, layer.config.get("dilation_rate", [1, 1]))
    kh, kw, per_group, out = kernel.shape
    out_per_group = out // groups
    channels = per_group * groups
    inputs = np.arange(channels)[:, None]
    # depthwise[:, :, i, m] = kernel[:, :, i - g * per_group, g * out_per_group + m] for i in group g,
    # and pointwise[i, m, g * out_per_group + m] = 1: output g * out_per_group + m sums its group's i
    outputs = inputs // per_group * out_per_group + np.arange(out_per_group)
    depthwise = kernel[:, :, inputs % per_group, outputs]
    pointwise = np.zeros((channels, out_per_group, out), np.uint8)
    pointwise[inputs, np.arange(out_per_group), outputs] = 1
    config = {key: value for key, value in layer.config.items() if key != "groups"}
    config.update(filters=out, kernel_size=[kh, kw], dilation_rate=[1, 1], depth_multiplier=out_per_group)
    params = [("depthwise_kernel", np.ascontiguousarray(depthwise)),
              ("pointwise_kernel", pointwise.reshape(1, 1, channels * out_per_group, out))]
    params += [(p, a) for p, a in layer.weights if p == "bias"]
    return dataclasses.replace(layer, class_name="SeparableConv2D", config=config, weights=params)
