import numpy as np

from irc.ir import layout as L
from irc.ir.graph import Node
from passes.kit import rewrite_each
from passes.registry import register_pass

NAME = "arith-to-affine"


@register_pass(NAME)
def arith_to_affine(graph):
    """Turn add/sub/mul of an activation and a broadcast constant into an affine map
    ((x - offset) * scale) + shift, rounded to float32 after each step: a Keras.js
    BatchNormalization computes exactly that (mean=offset, gamma=scale, beta=shift, and a
    variance that makes its divisor exactly 1), so the result is ONNX Runtime's, bit for bit.

    Given:
        graph g(%x : f32[1,5,7,6] @NCHW) -> (%y) {
          const %s : f32[1,5,1,1] @NCHW
          0  %y : f32[1,5,7,6] @NCHW = mul(%x, %s)
        }
    Result:
        graph g(%x : f32[1,5,7,6] @NCHW) -> (%y) {
          const %y.offset : f32[1,1,1,1] @NCHW  min=0 max=0
          const %y.scale : f32[1,5,1,1] @NCHW
          const %y.shift : f32[1,1,1,1] @NCHW  min=0 max=0
          0  %y : f32[1,5,7,6] @NCHW = affine(%x, %y.offset, %y.scale, %y.shift)
        }
    """
    changed = rewrite_each(graph, NAME, ("add", "sub", "mul"), _rewrite)
    graph.erase_unused_values()
    return changed


def _rewrite(graph, node):
    vals = [graph.value(i) for i in node.inputs]
    consts = [v for v in vals if v.is_const]
    if len(vals) != 2 or len(consts) != 1:
        return False
    x = next(v for v in vals if not v.is_const)
    c = L.to_layout(consts[0].data.astype(np.float32), consts[0].layout, x.layout)
    ones, zeros = np.ones((1,) * len(x.shape), np.float32), np.zeros((1,) * len(x.shape), np.float32)
    if node.op == "add":
        params = (zeros, ones, c)
    elif node.op == "mul":
        params = (zeros, c, zeros)
    elif vals[0].is_const:                  # c - x = (x * -1) + c, exactly
        params = (zeros, -ones, c)
    else:                                   # x - c = x + (-c), exactly
        params = (zeros, ones, -c)
    names = [graph.const(f"{node.outputs[0]}.{p}", data, x.layout).name
             for p, data in zip(("offset", "scale", "shift"), params)]
    graph.erase(node)
    graph.add_node(Node(node.name, "affine", [x.name] + names, list(node.outputs), {}, node.origin,
                        NAME, node.label))
    return True
