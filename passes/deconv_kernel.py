from passes.registry import register_pass
from passes.util import relayout_weights


@register_pass("deconv-kernel")
def deconv_kernel(graph):
    """Store transposed-convolution kernels as Keras wants them: (kh, kw, out, in).

    ONNX (and Chainer) keep them (in, out, kh, kw). Keras' Conv2DTranspose is the
    gradient of Conv2D, like ONNX's, so the taps are not flipped: a transpose is all.

    Given:   conv2d_transpose(%x, %W : f32[64,32,4,4] @IOHW, %b)
    Result:  conv2d_transpose(%x, %W : f32[4,4,32,64] @HWOI, %b)
    """
    return relayout_weights(graph, "conv2d_transpose", 1, "HWOI", "deconv-kernel")
