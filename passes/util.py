"""Small rewriting helpers shared by passes."""

from irc.ir.graph import Node, Value
from irc.ir.ops import OPS
from passes.kit import Reject, rewrite_each


def reinfer(graph, node):
    """Recompute the shape and layout of `node`'s outputs from its (possibly new) inputs."""
    inferred = OPS[node.op].infer(node, [graph.value(i) for i in node.inputs])
    for name, (shape, layout) in zip(node.outputs, inferred):
        value = graph.value(name)
        value.shape, value.layout = tuple(shape), layout


def add_op(graph, op, inputs, attrs, base_name, origin, pass_name, label=""):
    """Add `op(inputs)` with a fresh output value whose shape and layout come from the op."""
    out = graph.fresh_name(base_name)
    node = Node(out, op, list(inputs), [out], attrs, origin, pass_name, label)
    shape, layout = OPS[op].infer(node, [graph.value(i) for i in inputs])[0]
    graph.add_value(Value(out, tuple(shape), "f32", layout))
    return graph.add_node(node)


def single_consumer(graph, value_name):
    consumers = graph.consumers(value_name)
    if len(consumers) == 1 and value_name not in graph.outputs:
        return consumers[0]
    return None


def shared_result(graph, value_name):
    """Reject(why) when `value_name` is a graph output or has other than one reader, else None:
    a pass that merges its producer into the reader would take it from the others."""
    if value_name in graph.outputs:
        return Reject("its result is a graph output", value_name)
    readers = len(graph.consumers(value_name))
    return None if readers == 1 else Reject(f"its result has {readers} readers", value_name)


def replace_const(graph, node, index, data, layout, pass_name):
    """Point input `index` of `node` at a new constant; the old one goes when unused."""
    old_name = node.inputs[index]
    if graph.consumers(old_name) == [node]:
        del graph.values[old_name]          # free it now and let the new one keep its name
    new = graph.const(old_name, data, layout)
    inputs = list(node.inputs)
    inputs[index] = new.name
    graph.set_inputs(node, inputs)
    node.last_pass = pass_name
    return new


def relayout_weights(graph, op, index, target, pass_name):
    """Transpose input `index` (a constant) of every `op` node into layout `target`."""
    from irc.ir.layout import to_layout

    def relayout(graph, node):
        if len(node.inputs) <= index or graph.value(node.inputs[index]).layout == target:
            return False
        weight = graph.value(node.inputs[index])
        replace_const(graph, node, index, to_layout(weight.data, weight.layout, target), target, pass_name)
        return True
    return rewrite_each(graph, pass_name, (op,), relayout)


def chw_to_hwc_order(c, *space):
    """Index map p with features_hwc = features_chw[p] for a (c, h, w) block flattened (or
    (c, w), (c, d, h, w): any spatial axes)."""
    import numpy as np
    return np.arange(c * int(np.prod(space))).reshape(c, *space).transpose(*range(1, len(space) + 1), 0).reshape(-1)


def permute_const(graph, node, index, order, axis_letter, pass_name):
    """Reorder input `index` of `node` (a constant) along its axis named `axis_letter`."""
    import numpy as np
    value = graph.value(node.inputs[index])
    axis = value.layout.index(axis_letter)
    replace_const(graph, node, index, np.take(value.data, order, axis=axis), value.layout, pass_name)


def absorb_consumer(graph, layer, consumer, pass_name):
    """Erase `consumer`, the only reader of `layer`'s result, whose work `layer` now does.
    The layer writes the consumer's result (name included): a value keeps meaning what
    the source model's tensor of that name means (irc dump --input compares them)."""
    result, own = consumer.outputs[0], layer.outputs[0]
    graph.erase(consumer)
    del graph.values[own]
    graph.set_outputs(layer, [result])
    layer.last_pass = pass_name


def bypass(graph, node):
    """Remove a node whose result equals its first input; readers read the input instead.
    A graph output keeps its name (the input takes it). -> Reject, and nothing changes,
    when the output would have to become a graph input, another output or a constant."""
    source, result = node.inputs[0], node.outputs[0]
    if result in graph.outputs and (source in graph.inputs or source in graph.outputs
                                    or graph.value(source).is_const):
        return Reject(f"it computes nothing, but its result is a graph output and %{source} is a graph "
                      "input, output or constant: it cannot take the output's name")
    graph.erase(node)
    if result in graph.outputs:
        del graph.values[result]
        graph.rename_value(source, result)
    else:
        graph.replace_all_uses(result, source)
    return True
