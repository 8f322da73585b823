from passes.registry import register_pass

NAME = "cancel-transposes"


@register_pass(NAME)
def cancel_transposes(graph):
    """Remove a transpose that undoes the one before it.

    Given:   %a : @NHWC = transpose(%x @NCHW) {perm=[0,2,3,1]};  %b : @NCHW = transpose(%a) {perm=[0,3,1,2]}
    Result:  uses of %b read %x
    """
    changed = False
    for node in graph.nodes():
        if node.op != "transpose":
            continue
        first = graph.producer(node.inputs[0])
        if first is None or first.op != "transpose":
            continue
        composed = [first.attrs["perm"][p] for p in node.attrs["perm"]]
        source = graph.value(first.inputs[0])
        if composed == sorted(composed) and source.layout == graph.value(node.outputs[0]).layout:
            if node.outputs[0] in graph.outputs:
                continue
            graph.replace_all_uses(node.outputs[0], source.name)
            graph.erase(node)
            changed = True
    _erase_dead(graph)
    return changed


def _erase_dead(graph):
    for node in reversed(graph.nodes()):
        if all(not graph.consumers(o) and o not in graph.outputs for o in node.outputs):
            graph.erase(node)
    graph.erase_unused_values()
