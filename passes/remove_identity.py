from passes.kit import rewrite_each
from passes.registry import register_pass
from passes.util import bypass


@register_pass("remove-identity")
def remove_identity(graph):
    """Drop Identity and (inference-mode) Dropout: their output is their input.

    Given:
        graph g(%x : f32[1,3,4,5] @NCHW) -> (%y) {
          0  %h : f32[1,3,4,5] @NCHW = sigmoid(%x)
          1  %d : f32[1,3,4,5] @NCHW = identity(%h)
          2  %y : f32[1,3,4,5] @NCHW = relu(%d)
        }
    Result:
        graph g(%x : f32[1,3,4,5] @NCHW) -> (%y) {
          0  %h : f32[1,3,4,5] @NCHW = sigmoid(%x)
          1  %y : f32[1,3,4,5] @NCHW = relu(%h)
        }
    """
    changed = rewrite_each(graph, "remove-identity", ("identity",), bypass)

    graph.erase_unused_values()
    return changed
