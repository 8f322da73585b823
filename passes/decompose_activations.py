import numpy as np

from irc.ir.graph import Node, Value
from irc.keras_semantics.activations import KERAS_HARD_SIGMOID, KERAS_SELU, keras_constants
from passes.kit import rewrite_each
from passes.registry import register_pass

NAME = "decompose-activations"


@register_pass(NAME)
def decompose_activations(graph):
    """Write selu and hard_sigmoid with parameters other than Keras's as Keras activations
    and an affine map: selu(a, g) = g * elu_a(x); hard_sigmoid(a, b)(x) =
    keras_hard_sigmoid(5a * x + 5(b - 0.5)), since Keras's is clip(0.2 y + 0.5, 0, 1).

    Given:
        graph g(%x : f32[1,3,4,5] @NCHW) -> (%y) {
          0  %y : f32[1,3,4,5] @NCHW = selu(%x) {alpha=2 gamma=1.5}
        }
    Result:
        graph g(%x : f32[1,3,4,5] @NCHW) -> (%y) {
          const %y.offset : f32[1,1,1,1] @NCHW  min=0 max=0
          const %y.scale : f32[1,1,1,1] @NCHW  min=1.5 max=1.5
          const %y.shift : f32[1,1,1,1] @NCHW  min=0 max=0
          0  %y.elu : f32[1,3,4,5] @NCHW = elu(%x) {alpha=2}
          1  %y : f32[1,3,4,5] @NCHW = affine(%y.elu, %y.offset, %y.scale, %y.shift)
        }
    """
    return rewrite_each(graph, NAME, DECOMPOSE, _decompose)


def _decompose(graph, node):
    keras, rewrite = DECOMPOSE[node.op]
    if keras_constants(node, keras):
        return False
    rewrite(graph, node)
    return True


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


# op -> (the constants Keras's activation has, the rewrite for any others)
DECOMPOSE = {"selu": (KERAS_SELU, _selu), "hard_sigmoid": (KERAS_HARD_SIGMOID, _hard_sigmoid)}
