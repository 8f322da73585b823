from passes.kit import rewrite_each
from passes.registry import register_pass
from passes.util import reinfer


@register_pass("infer-shapes")
def infer_shapes(graph):
    """Recompute every value's shape and layout from its op, in topological order.

    Given:
        graph g(%x : f32[1,3,4,5] @NCHW) -> (%y) {
          0  %h : f32[1] @C = relu(%x)
          1  %y : f32[1] @C = sigmoid(%h)
        }
    Result:
        graph g(%x : f32[1,3,4,5] @NCHW) -> (%y) {
          0  %h : f32[1,3,4,5] @NCHW = relu(%x)
          1  %y : f32[1,3,4,5] @NCHW = sigmoid(%h)
        }
    """
    return rewrite_each(graph, "infer-shapes", None, _reinfer_changed)


def _reinfer_changed(graph, node):
    before = [(graph.value(o).shape, graph.value(o).layout) for o in node.outputs]
    reinfer(graph, node)
    return before != [(graph.value(o).shape, graph.value(o).layout) for o in node.outputs]
