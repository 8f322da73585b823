from passes.registry import register_pass
from passes.util import relayout_weights


@register_pass("dense-kernel")
def dense_kernel(graph):
    """Store dense kernels as Keras wants them: (in, out). Gemm with transB=1 gives (out, in).

    Given:   dense(%x, %W : f32[1024,100] @OI, %b)
    Result:  dense(%x, %W : f32[100,1024] @IO, %b)
    """
    return relayout_weights(graph, "dense", 1, "IO", "dense-kernel")
