from passes.registry import register_pass
from passes.util import relayout_weights


@register_pass("conv-kernel")
def conv_kernel(graph):
    """Store convolution kernels as Keras wants them: (kh, kw, in, out).

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
    return relayout_weights(graph, "conv2d", 1, "HWIO", "conv-kernel")
