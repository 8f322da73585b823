"""Grouped and depthwise convolutions in the lowered model, and the forms targets without them
run. The lowering writes a grouped convolution at its real size: Conv2D with `groups` (kernel
(kh, kw, in / groups, out), as Keras 3 has it), and a depthwise one (one input channel per
group) as DepthwiseConv2D (depthwise_kernel (kh, kw, in, multiplier)). Output channel
g * (out / groups) + m of either reads the input channels of group g only."""

import dataclasses

import numpy as np


def is_grouped(layer):
    return layer.class_name == "DepthwiseConv2D" or (layer.class_name == "Conv2D" and layer.config.get("groups", 1) > 1)


def grouped_kernel(layer):
    """-> (kernel (kh, kw, in / groups, out), groups) of a Conv2D with groups or a DepthwiseConv2D."""
    weights = dict(layer.weights)
    if layer.class_name == "Conv2D":
        return weights["kernel"], layer.config["groups"]
    kh, kw, channels, multiplier = weights["depthwise_kernel"].shape
    return weights["depthwise_kernel"].reshape(kh, kw, 1, channels * multiplier), channels


def block_diagonal(kernel, groups):
    """The (spatial..., in / groups, out) kernel of a grouped convolution (any number of
    spatial axes) as the (spatial..., in, out) kernel of the full convolution computing it:
    output channels of group g see the input channels of group g through the group's kernel
    and every other channel through zeros, which add exactly nothing."""
    *space, per_group, out = kernel.shape
    out_per_group = out // groups
    full = np.zeros((*space, per_group * groups, out), kernel.dtype)
    for g in range(groups):
        outputs = slice(g * out_per_group, (g + 1) * out_per_group)
        full[..., g * per_group:(g + 1) * per_group, outputs] = kernel[..., outputs]
    return full


def ungrouped(layer):
    """A Conv2D with groups or a DepthwiseConv2D as the plain Conv2D with the block-diagonal
    kernel (for targets without grouped convolutions); any other layer as it is."""
    if not is_grouped(layer):
        return layer
    kernel, groups = grouped_kernel(layer)
    config = {key: value for key, value in layer.config.items() if key not in ("groups", "depth_multiplier")}
    params = [("kernel", block_diagonal(kernel, groups))] + [(p, a) for p, a in layer.weights if p == "bias"]
    return dataclasses.replace(layer, class_name="Conv2D", config={**config, "filters": kernel.shape[3]},
                               weights=params)


def without_groups(model):
    """-> the model with every grouped layer ungrouped (`model` is left as it is)."""
    return dataclasses.replace(model, layers=[ungrouped(layer) for layer in model.layers])


def spanned_kernel(kernel, dilations):
    """A (spatial..., ...) kernel dilated by `dilations` (one per spatial axis) as the undilated
    kernel it spans, zeros between its taps: the same sums, at any stride."""
    if all(d == 1 for d in dilations):
        return kernel
    span = [(k - 1) * d + 1 for k, d in zip(kernel.shape, dilations)]
    full = np.zeros((*span, *kernel.shape[len(span):]), kernel.dtype)
    full[tuple(slice(None, None, d) for d in dilations)] = kernel
    return full

