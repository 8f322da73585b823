import numpy as np

from irc.errors import IrcError
from irc.ir.graph import Value
from irc.keras_semantics.pooling import plan_pool
from passes.kit import rewrite_each
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
    reference evaluation computes exactly what Keras.js will. An average pool that leaves ONNX's
    pads out of its count where no Keras padding does pools the zero-padded input and is then
    scaled, cell by cell, by k*k / the window's input cells (an affine map after it).

    Given:
        graph g(%x : f32[1,6,6,5] @NHWC) -> (%y) {
          0  %y : f32[1,3,3,5] @NHWC = max_pool2d(%x) {kernel=[3,3] strides=[2,2] pads=[1,1,1,1] ceil_mode=0}
        }
    Result:
        graph g(%x : f32[1,6,6,5] @NHWC) -> (%y) {
          0  %x.edge_pad2d : f32[1,7,7,5] @NHWC = edge_pad2d(%x) {amounts=[1,0,1,0]}
          1  %y : f32[1,3,3,5] @NHWC = max_pool2d(%x.edge_pad2d) {kernel=[3,3] strides=[2,2] pads=[0,0,0,0] ceil_mode=0 padding=valid}
        }

    (Keras 'same' would pad [0,1] here, shifting every window; a copy of the edge row never
    changes a max, where a zero would.)
    """
    return rewrite_each(graph, NAME, _KIND, _map_padding)


def _map_padding(graph, node):
    if "padding" in node.attrs:          # mapped already
        return False
    a = node.attrs
    x = graph.value(node.inputs[0])
    hw = [x.shape[x.layout.index(c)] for c in "HW"]
    kind = _KIND[node.op](a)
    plan, reason = plan_pool(kind, hw, a["kernel"], a["strides"], a["pads"], a["ceil_mode"])
    if plan is None:
        raise IrcError(f"node {node.name} ({node.op}, from {node.origin or 'import'}): no exact Keras.js "
                       f"pooling for kernel {a['kernel']}, strides {a['strides']}, pads {a['pads']}, "
                       f"ceil_mode={a['ceil_mode']} on {hw}: {reason}")
    source = node.inputs[0]
    steps = [("crop2d", plan.crop), ("edge_pad2d" if node.op == "max_pool2d" else "zero_pad2d", plan.pad)]
    for op, amounts in steps:
        if any(amounts):
            source = add_op(graph, op, [source], {"amounts": list(amounts)}, f"{node.inputs[0]}.{op}",
                            node.origin, NAME, node.label).outputs[0]
    graph.set_inputs(node, [source])
    if plan.rescale:
        _rescale_by_real_cells(graph, node, hw)
    a.update(padding=plan.padding, pads=plan.pads, ceil_mode=0)
    if "count_include_pad" in a:
        a["count_include_pad"] = 0
    node.last_pass = NAME
    return True


def _rescale_by_real_cells(graph, node, hw):
    """After the pool, an affine map by k_h * k_w / (the input cells in each window): the
    average over the zero-padded window becomes the average over its real cells, as ONNX's
    count_include_pad=0 has it (two float32 roundings: within an ulp or two of ONNX's)."""
    a, out = node.attrs, node.outputs[0]
    value = graph.value(out)
    cells = [_real_cells(n, k, s, begin, value.shape[value.layout.index(c)])
             for c, n, k, s, begin in zip("HW", hw, a["kernel"], a["strides"], a["pads"][:2])]
    scale = float(np.prod(a["kernel"])) / np.outer(*cells)
    shape = [1] * len(value.shape)
    shape[value.layout.index("H")], shape[value.layout.index("W")] = scale.shape
    # The affine map takes the pool's name (the ONNX tensor it computes); the pool a new one.
    summed = graph.fresh_name(f"{out}.zero_padded_average")
    graph.rename_value(out, summed)
    params = [graph.const(f"{out}.{name}", np.asarray(data, np.float32).reshape(shape), value.layout).name
              for name, data in (("offset", np.zeros(scale.shape)), ("scale", scale), ("shift", np.zeros(scale.shape)))]
    graph.insert_after(summed, "affine", Value(out, value.shape, "f32", value.layout), origin=node.origin,
                       last_pass=NAME, more_inputs=params, label=node.label)


def _real_cells(size, kernel, stride, pad_begin, outputs):
    """Per output position along one axis: how many of its window's cells are in the input."""
    starts = np.arange(outputs) * stride - pad_begin
    return np.minimum(starts + kernel, size) - np.maximum(starts, 0)
