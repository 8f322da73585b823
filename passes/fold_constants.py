from irc.ir.interpret import interpret_node
from passes.kit import rewrite_each
from passes.registry import register_pass


@register_pass("fold-constants")
def fold_constants(graph):
    """Evaluate, at compile time, every node whose inputs are all constants.

    Given:
        graph g(%x : f32[1,4] @NC) -> (%y) {
          const %c : f32[1,4] @NC
          0  %s : f32[1,4] @NC = relu(%c)
          1  %y : f32[1,4] @NC = add(%x, %s)
        }
    Result:
        graph g(%x : f32[1,4] @NC) -> (%y) {
          const %s : f32[1,4] @NC
          0  %y : f32[1,4] @NC = add(%x, %s)
        }
    """
    changed = rewrite_each(graph, "fold-constants", None, _fold)
    graph.erase_unused_values()
    return changed


def _fold(graph, node):
    values = [graph.value(i) for i in node.inputs]
    if not values or not all(v.is_const for v in values):
        return False
    for name, array in zip(node.outputs, interpret_node(graph, node, [v.data for v in values])):
        graph.value(name).data = array
    graph.erase(node)
    return True
