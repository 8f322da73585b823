from irc.ir.interpret import interpret_node
from passes.registry import register_pass


@register_pass("fold-constants")
def fold_constants(graph):
    """Evaluate, at compile time, every node whose inputs are all constants.

    Given:   %s : f32[4] @C = relu(%c)        with %c constant
    Result:  (node gone; %s is a constant holding relu(%c))
    """
    changed = False
    for node in graph.nodes():
        values = [graph.value(i) for i in node.inputs]
        if not values or not all(v.is_const for v in values):
            continue
        for name, array in zip(node.outputs, interpret_node(graph, node, [v.data for v in values])):
            graph.value(name).data = array
        graph.erase(node)
        changed = True
    graph.erase_unused_values()
    return changed
