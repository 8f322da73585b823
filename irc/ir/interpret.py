"""Run the IR in numpy: the reference that every pass is checked against."""

import numpy as np

from irc.errors import IrcError
from irc.ir.ops import OPS


def interpret(graph, inputs):
    """inputs: {graph input name: array in that input's layout}. Returns every value's array."""
    env = {name: v.data for name, v in graph.values.items() if v.is_const}
    for name in graph.inputs:
        env[name] = np.asarray(inputs[name], dtype=np.float32)
    for node in graph.nodes():
        env.update(zip(node.outputs, interpret_node(graph, node, [env[i] for i in node.inputs])))
    return env


def interpret_node(graph, node, arrays):
    spec = OPS.get(node.op)
    if spec is None:
        raise IrcError(f"node {node.name}: op {node.op} has no reference evaluation")
    return spec.evaluate(node, arrays, [graph.value(i) for i in node.inputs])
