import numpy as np

from irc.ir import layout as L
from passes.kit import Reject, rewrite_each
from passes.registry import register_pass
from passes.util import shared_result

NAME = "fuse-affine"
STAGES = ("offset", "scale", "shift")       # the order a BatchNormalization applies them in
IDENTITY = {"offset": 0.0, "scale": 1.0, "shift": 0.0}


@register_pass(NAME)
def fuse_affine(graph):
    """Merge an affine map into the next one when every step of the first comes before
    every step of the second (the BatchNormalization order: subtract, multiply, add), so
    the merged map rounds exactly as the two did. The exported form of a batch norm,
    Mul by a per-channel scale then Add a per-channel shift, becomes one layer; an Add
    before a Mul moves to the subtracted offset (x + b = x - (-b), exactly).

    Given:
        graph g(%x : f32[1,5,7,6] @NCHW) -> (%y) {
          const %0 : f32[1,1,1,1] @NCHW  min=0 max=0
          const %1 : f32[1,1,1,1] @NCHW  min=1 max=1
          const %b : f32[1,5,1,1] @NCHW
          const %s : f32[1,5,1,1] @NCHW
          0  %a : f32[1,5,7,6] @NCHW = affine(%x, %0, %s, %0)
          1  %y : f32[1,5,7,6] @NCHW = affine(%a, %0, %1, %b)
        }
    Result:
        graph g(%x : f32[1,5,7,6] @NCHW) -> (%y) {
          const %y.offset : f32[1,1,1,1] @NCHW  min=0 max=0
          const %y.scale : f32[1,5,1,1] @NCHW
          const %y.shift : f32[1,5,1,1] @NCHW
          0  %y : f32[1,5,7,6] @NCHW = affine(%x, %y.offset, %y.scale, %y.shift)
        }
    """
    changed = rewrite_each(graph, NAME, ("affine",), _fuse_into)
    graph.erase_unused_values()
    return changed


def _fuse_into(graph, second):
    first = graph.producer(second.inputs[0])
    if first is None or first.op != "affine":
        return False
    shared = shared_result(graph, first.outputs[0])
    if shared is not None:
        return shared
    a, b = _params(graph, first), _params(graph, second)
    used_a, used_b = _used(a), _used(b)
    if used_a == ["shift"] and "offset" not in used_b and used_b:
        a = {"offset": -a["shift"], "scale": a["scale"], "shift": np.zeros_like(a["offset"])}
        used_a = ["offset"]
    if used_a and used_b and STAGES.index(used_a[-1]) >= STAGES.index(used_b[0]):
        return Reject(f"it ends with a {used_a[-1]} and the next map starts with a {used_b[0]}: one map "
                      "applies offset, scale, shift in that order only", first.outputs[0])

    merged = {s: (a[s] if s in used_a else b[s]) for s in STAGES}
    x = graph.value(first.inputs[0])
    names = [graph.const(f"{second.outputs[0]}.{s}", merged[s], x.layout).name for s in STAGES]
    graph.set_inputs(second, [x.name] + names)
    second.last_pass = NAME
    graph.erase(first)
    return True


def _params(graph, node):
    x = graph.value(node.inputs[0])
    return {s: L.to_layout(graph.value(n).data, graph.value(n).layout, x.layout)
            for s, n in zip(STAGES, node.inputs[1:])}


def _used(params):
    return [s for s in STAGES if np.any(params[s] != IDENTITY[s])]
