from passes.kit import Reject, rewrite_each
from passes.registry import register_pass

NAME = "cancel-transposes"


@register_pass(NAME)
def cancel_transposes(graph):
    """Remove a transpose that undoes the one before it.

    Given:
        graph g(%x : f32[1,3,4,5] @NCHW) -> (%y) {
          0  %h : f32[1,3,4,5] @NCHW = sigmoid(%x)
          1  %a : f32[1,4,5,3] @NHWC = transpose(%h) {perm=[0,2,3,1]}
          2  %b : f32[1,3,4,5] @NCHW = transpose(%a) {perm=[0,3,1,2]}
          3  %y : f32[1,3,4,5] @NCHW = relu(%b)
        }
    Result:
        graph g(%x : f32[1,3,4,5] @NCHW) -> (%y) {
          0  %h : f32[1,3,4,5] @NCHW = sigmoid(%x)
          1  %y : f32[1,3,4,5] @NCHW = relu(%h)
        }
    """
    changed = rewrite_each(graph, NAME, ("transpose",), _cancel)
    _erase_dead(graph)
    return changed


def _cancel(graph, node):
    first = graph.producer(node.inputs[0])
    if first is None or first.op != "transpose":
        return False
    composed = [first.attrs["perm"][p] for p in node.attrs["perm"]]
    source = graph.value(first.inputs[0])
    if composed != sorted(composed) or source.layout != graph.value(node.outputs[0]).layout:
        return False
    if node.outputs[0] in graph.outputs:
        return Reject("it undoes the transpose before it, but is a graph output (the name must stay)")
    graph.replace_all_uses(node.outputs[0], source.name)
    graph.erase(node)
    return True


def _erase_dead(graph):
    for node in reversed(graph.nodes()):
        if all(not graph.consumers(o) and o not in graph.outputs for o in node.outputs):
            graph.erase(node)
    graph.erase_unused_values()
