from passes.registry import register_pass
from passes.util import bypass


@register_pass("remove-identity")
def remove_identity(graph):
    """Drop Identity and (inference-mode) Dropout: their output is their input.

    Given:   %d = identity(%h);  %y = relu(%d)
    Result:  %y = relu(%h)
    """
    changed = False
    for node in graph.nodes():
        if node.op == "identity" and bypass(graph, node):
            changed = True
    graph.erase_unused_values()
    return changed
