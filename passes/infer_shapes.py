from passes.registry import register_pass
from passes.util import reinfer


@register_pass("infer-shapes")
def infer_shapes(graph):
    """Recompute every value's shape and layout from its op, in topological order.

    Given:   %h : f32[?] @? = relu(%x)          with %x : f32[1,3,4,5] @NCHW
    Result:  %h : f32[1,3,4,5] @NCHW = relu(%x)
    """
    changed = False
    for node in graph.nodes():
        before = [(graph.value(o).shape, graph.value(o).layout) for o in node.outputs]
        reinfer(graph, node)
        changed |= before != [(graph.value(o).shape, graph.value(o).layout) for o in node.outputs]
    return changed
