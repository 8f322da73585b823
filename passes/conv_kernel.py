from passes.registry import register_pass
from passes.util import relayout_weights


@register_pass("conv-kernel")
def conv_kernel(graph):
    """Store convolution kernels as Keras wants them: (kh, kw, in, out).

    Given:   conv2d(%x, %W : f32[8,3,3,5] @OIHW, %b)
    Result:  conv2d(%x, %W : f32[3,5,3,8] @HWIO, %b)
    """
    return relayout_weights(graph, "conv2d", 1, "HWIO", "conv-kernel")
