from passes.registry import register_pass
from passes.util import relayout_weights


@register_pass("dense-kernel")
def dense_kernel(graph):
    """Store dense kernels as Keras wants them: (in, out). Gemm with transB=1 gives (out, in).

    Given:
        graph g(%x : f32[1,100] @NC) -> (%y) {
          const %W : f32[64,100] @OI
          const %b : f32[64] @C
          0  %y : f32[1,64] @NC = dense(%x, %W, %b)
        }
    Result:
        graph g(%x : f32[1,100] @NC) -> (%y) {
          const %W : f32[100,64] @IO
          const %b : f32[64] @C
          0  %y : f32[1,64] @NC = dense(%x, %W, %b)
        }
    """
    return relayout_weights(graph, "dense", 1, "IO", "dense-kernel")
