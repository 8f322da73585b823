"""Renaming an exported ModelProto's tensors to names people recognise (front ends)."""


def unique(base, taken):
    """`base`, or `base_2`, `base_3`... whichever is free; the result is marked taken."""
    name, i = base, 1
    while name in taken:
        i += 1
        name = f"{base}_{i}"
    taken.add(name)
    return name


def rename_tensors(proto, names):
    """Apply {old: new} to every node input and output, graph input, output, value_info and initializer."""
    graph = proto.graph
    for node in graph.node:
        node.input[:] = [names.get(i, i) for i in node.input]
        node.output[:] = [names.get(o, o) for o in node.output]
    for value in list(graph.input) + list(graph.output) + list(graph.value_info) + list(graph.initializer):
        value.name = names.get(value.name, value.name)
