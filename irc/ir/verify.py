"""Graph invariants every pass must keep: known ops, defined inputs, one producer per
value, and stored shapes and layouts equal to what each op's definition gives."""

from irc.ir.ops import OPS


class GraphInvalid(Exception):
    pass


def verify(graph):
    defined = set(graph.inputs) | {n for n, v in graph.values.items() if v.is_const}
    for node in graph.nodes():
        _check_node(graph, node, defined)
        defined.update(node.outputs)
    missing = [o for o in graph.outputs if o not in defined]
    if missing:
        raise GraphInvalid(f"graph outputs {missing} are never produced")


def _check_node(graph, node, defined):
    where = f"node {node.name} ({node.op}, from {node.origin or '?'})"
    if node.op not in OPS:
        raise GraphInvalid(f"{where}: unknown op")
    undefined = [i for i in node.inputs if i not in defined]
    if undefined:
        raise GraphInvalid(f"{where}: reads {undefined} before they are produced")
    redefined = [o for o in node.outputs if o in defined]
    if redefined:
        raise GraphInvalid(f"{where}: produces {redefined}, which already have a producer")
    try:
        expected = OPS[node.op].infer(node, [graph.value(i) for i in node.inputs])
    except (ValueError, KeyError, IndexError) as exc:
        raise GraphInvalid(f"{where}: {exc}") from None
    for out, (shape, layout) in zip(node.outputs, expected):
        value = graph.value(out)
        if tuple(value.shape) != tuple(shape) or value.layout != layout:
            raise GraphInvalid(f"{where}: %{out} is {_shape(value.shape)} @{value.layout}, "
                               f"the op gives {_shape(shape)} @{layout}")


def _shape(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"
