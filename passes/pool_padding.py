from irc.errors import IrcError
from irc.keras_semantics.pooling import plan_pool
from passes.registry import register_pass
from passes.util import add_op

NAME = "pool-padding"

_KIND = {"max_pool2d": lambda a: "max",
         "avg_pool2d": lambda a: "avg_include" if a["count_include_pad"] else "avg_exclude"}


@register_pass(NAME)
def pool_padding(graph):
    """Map ONNX pooling windows (pads, ceil_mode, count_include_pad) exactly onto Keras.js
    'same' or 'valid' pooling, with a crop2d, and a zero_pad2d (average) or edge_pad2d (max)
    in front where needed (the plan: irc/keras_semantics/pooling.py). Afterwards the node's
    pads are what its Keras padding pads, ceil_mode=0 and count_include_pad=0, so the
    reference evaluation computes exactly what Keras.js will.

    Given:   %y : f32[1,3,3,5] @NHWC = max_pool2d(%x : f32[1,6,6,5]) {kernel=[3,3] strides=[2,2] pads=[1,1,1,1]}
    Result:  %p : f32[1,7,7,5] @NHWC = edge_pad2d(%x) {amounts=[1,0,1,0]}
             %y : f32[1,3,3,5] @NHWC = max_pool2d(%p) {pads=[0,0,0,0] padding=valid}
    (Keras 'same' would pad [0,1] here, shifting every window; a copy of the edge row never
    changes a max, where a zero would.)
    """
    changed = False
    for node in graph.nodes():
        if node.op in _KIND and "padding" not in node.attrs:
            _map_padding(graph, node)
            changed = True
    return changed


def _map_padding(graph, node):
    a = node.attrs
    x = graph.value(node.inputs[0])
    hw = [x.shape[x.layout.index(c)] for c in "HW"]
    plan, reason = plan_pool(_KIND[node.op](a), hw, a["kernel"], a["strides"], a["pads"], a["ceil_mode"])
    if plan is None:
        raise IrcError(f"node {node.name} ({node.op}, from {node.origin or 'import'}): no exact Keras.js "
                       f"pooling: {reason}")
    source = node.inputs[0]
    steps = [("crop2d", plan.crop), ("edge_pad2d" if node.op == "max_pool2d" else "zero_pad2d", plan.pad)]
    for op, amounts in steps:
        if any(amounts):
            source = add_op(graph, op, [source], {"amounts": list(amounts)}, f"{node.inputs[0]}.{op}",
                            node.origin, NAME, node.label).outputs[0]
    graph.set_inputs(node, [source])
    a.update(padding=plan.padding, pads=plan.pads, ceil_mode=0)
    if "count_include_pad" in a:
        a["count_include_pad"] = 0
    node.last_pass = NAME
