from irc.ir.layout import to_layout
from passes.kit import rewrite_each
from passes.registry import register_pass
from passes.util import relayout_weights, replace_const

NAME = "conv-kernel"


@register_pass(NAME)
def conv_kernel(graph):
    """Store convolution kernels as Keras wants them: (kh, kw, in, out); a 1-D or 3-D
    (conv_nd) kernel likewise (kw, in, out) or (kd, kh, kw, in, out).

    Given:
        graph g(%x : f32[1,8,6,5] @NHWC) -> (%y) {
          const %W : f32[8,5,3,3] @OIHW
          0  %y : f32[1,8,6,8] @NHWC = conv2d(%x, %W) {strides=[1,1] pads=[1,1,1,1]}
        }
    Result:
        graph g(%x : f32[1,8,6,5] @NHWC) -> (%y) {
          const %W : f32[3,3,5,8] @HWIO
          0  %y : f32[1,8,6,8] @NHWC = conv2d(%x, %W) {strides=[1,1] pads=[1,1,1,1]}
        }
    """
    changed = relayout_weights(graph, "conv2d", 1, "HWIO", NAME)
    return rewrite_each(graph, NAME, ("conv_nd",), _relayout_nd) | changed


def _relayout_nd(graph, node):
    weight = graph.value(node.inputs[1])
    target = weight.layout.replace("O", "").replace("I", "") + "IO"     # OIW -> WIO, OIDHW -> DHWIO
    if weight.layout == target:
        return False
    replace_const(graph, node, 1, to_layout(weight.data, weight.layout, target), target, NAME)
    return True
