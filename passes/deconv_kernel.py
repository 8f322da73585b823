from passes.registry import register_pass
from passes.util import relayout_weights


@register_pass("deconv-kernel")
def deconv_kernel(graph):
    """Store transposed-convolution kernels as Keras wants them: (kh, kw, out, in).

    ONNX (and Chainer) keep them (in, out, kh, kw). Keras' Conv2DTranspose is the
    gradient of Conv2D, like ONNX's, so the taps are not flipped: a transpose is all.

    Given:
        graph g(%x : f32[1,4,4,64] @NHWC) -> (%y) {
          const %W : f32[64,32,4,4] @IOHW
          const %b : f32[32] @C
          0  %y : f32[1,8,8,32] @NHWC = conv2d_transpose(%x, %W, %b) {strides=[2,2] pads=[1,1,1,1]}
        }
    Result:
        graph g(%x : f32[1,4,4,64] @NHWC) -> (%y) {
          const %W : f32[4,4,32,64] @HWOI
          const %b : f32[32] @C
          0  %y : f32[1,8,8,32] @NHWC = conv2d_transpose(%x, %W, %b) {strides=[2,2] pads=[1,1,1,1]}
        }
    """
    return relayout_weights(graph, "conv2d_transpose", 1, "HWOI", "deconv-kernel")
