import numpy as np

from irc.ir.graph import Node, Value
from irc.ir.ops.elementwise import KERAS_HARD_SIGMOID, KERAS_SELU, keras_constants
from passes.registry import register_pass

NAME = "decompose-activations"


@register_pass(NAME)
def decompose_activations(graph):
    """Write selu and hard_sigmoid with parameters other than Keras's as Keras activations
    and an affine map: selu(a, g) = g * elu_a(x); hard_sigmoid(a, b)(x) =
    keras_hard_sigmoid(5a * x + 5(b - 0.5)), since Keras's is clip(0.2 y + 0.5, 0, 1).

    Given:   %y = selu(%x) {alpha=2.0 gamma=1.5}
    Result:  %e = elu(%x) {alpha=2.0};  %y = affine(%e, %0, %1.5, %0)
    """
    changed = False
    for node in graph.nodes():
        if node.op == "selu" and not keras_constants(node, KERAS_SELU):
            _selu(graph, node)
            changed = True
        elif node.op == "hard_sigmoid" and not keras_constants(node, KERAS_HARD_SIGMOID):
            _hard_sigmoid(graph, node)
            changed = True
    return changed


def _selu(graph, node):
    x = graph.value(node.inputs[0])
    mid = _fresh_like(graph, x, f"{node.outputs[0]}.elu")
    graph.erase(node)
    graph.add_node(Node(node.name, "elu", [x.name], [mid], {"alpha": node.attrs["alpha"]}, node.origin, NAME,
                        node.label))
    _affine(graph, node, mid, scale=node.attrs["gamma"], shift=0.0)


def _hard_sigmoid(graph, node):
    x = graph.value(node.inputs[0])
    mid = _fresh_like(graph, x, f"{node.outputs[0]}.scaled")
    graph.erase(node)
    a, b = np.float32(node.attrs["alpha"]), np.float32(node.attrs["beta"])
    _affine(graph, node, x.name, scale=5 * np.float64(a), shift=5 * (np.float64(b) - 0.5), out=mid)
    graph.add_node(Node(node.name, "hard_sigmoid", [mid], list(node.outputs),
                        {"alpha": float(KERAS_HARD_SIGMOID["alpha"]), "beta": 0.5}, node.origin, NAME, node.label))


def _affine(graph, node, x_name, scale, shift, out=None):
    x = graph.value(x_name)
    ones = (1,) * len(x.shape)
    params = [graph.const(f"{node.outputs[0]}.{p}", np.full(ones, v, np.float32), x.layout).name
              for p, v in (("offset", 0.0), ("scale", scale), ("shift", shift))]
    graph.add_node(Node(f"{node.name}.affine", "affine", [x_name] + params, [out or node.outputs[0]], {},
                        node.origin, NAME, node.label))


def _fresh_like(graph, x, base):
    return graph.add_value(Value(graph.fresh_name(base), x.shape, x.dtype, x.layout)).name
