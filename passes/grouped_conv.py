import numpy as np

from irc.ir import layout as L
from passes.kit import rewrite_each
from passes.registry import register_pass
from passes.util import replace_const

NAME = "grouped-conv"


@register_pass(NAME)
def grouped_conv(graph):
    """Write a grouped (or depthwise) convolution as one full convolution whose kernel is
    block diagonal: output channels of group g see the input channels of group g through
    the group's kernel and every other channel through zeros, which add exactly nothing.
    Keras.js 1.0's Conv2D has no groups; its SeparableConv2D would cover depthwise only,
    multiplies as much (its depthwise step is one matrix product over all channel pairs)
    and needs an extra C x C pointwise product.

    Given:
        graph g(%x : f32[1,7,6,8] @NHWC) -> (%y) {
          const %W : f32[8,2,3,3] @OIHW
          0  %y : f32[1,7,6,8] @NHWC = conv2d(%x, %W) {strides=[1,1] pads=[1,1,1,1] group=4}
        }
    Result:
        graph g(%x : f32[1,7,6,8] @NHWC) -> (%y) {
          const %W : f32[8,8,3,3] @OIHW
          0  %y : f32[1,7,6,8] @NHWC = conv2d(%x, %W) {strides=[1,1] pads=[1,1,1,1]}
        }
    """
    changed = rewrite_each(graph, NAME, ("conv2d",), _expand)
    graph.erase_unused_values()
    return changed


def block_diagonal(kernel_oihw, groups):
    o, i_per_group, kh, kw = kernel_oihw.shape
    o_per_group = o // groups
    full = np.zeros((o, i_per_group * groups, kh, kw), kernel_oihw.dtype)
    for g in range(groups):
        rows = slice(g * o_per_group, (g + 1) * o_per_group)
        full[rows, g * i_per_group:(g + 1) * i_per_group] = kernel_oihw[rows]
    return full


def _expand(graph, node):
    if node.attrs.get("group", 1) == 1:
        return False
    w = graph.value(node.inputs[1])
    full = block_diagonal(L.to_layout(w.data, w.layout, "OIHW"), node.attrs["group"])
    replace_const(graph, node, 1, L.to_layout(full, "OIHW", w.layout), w.layout, NAME)
    node.attrs["group"] = 1
    return True
