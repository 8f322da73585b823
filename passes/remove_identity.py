from passes.registry import register_pass


@register_pass("remove-identity")
def remove_identity(graph):
    """Drop Identity and (inference-mode) Dropout: their output is their input.

    Given:   %d = identity(%h);  %y = relu(%d)
    Result:  %y = relu(%h)
    """
    changed = False
    for node in graph.nodes():
        if node.op != "identity":
            continue
        source, result = node.inputs[0], node.outputs[0]
        if result in graph.outputs and (source in graph.inputs or source in graph.outputs
                                        or graph.value(source).is_const):
            continue            # the graph's output would vanish into an input or another output
        graph.erase(node)
        if result in graph.outputs:
            del graph.values[result]
            graph.rename_value(source, result)   # outputs keep the names the user knows
        else:
            graph.replace_all_uses(result, source)
        changed = True
    graph.erase_unused_values()
    return changed
