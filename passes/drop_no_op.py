import numpy as np

from passes.kit import rewrite_each
from passes.registry import register_pass
from passes.util import bypass

NAME = "drop-no-op"


@register_pass(NAME)
def drop_no_op(graph):
    """Drop what computes nothing, so no layer is emitted for it: a reshape or flatten to
    the shape (and layout) it reads, a transpose by the identity perm, an identity, an
    affine map with offset 0, scale 1 and shift 0. (The Reshape copies the kerasjs target
    puts before in-place Keras.js layers, irc/targets/kerasjs/in_place.py, are not IR ops.)

    Given:
        graph g(%x : f32[1,4,4,8] @NHWC) -> (%y) {
          0  %h : f32[1,4,4,8] @NHWC = sigmoid(%x)
          1  %r : f32[1,4,4,8] @NHWC = reshape(%h) {shape=[1,4,4,8]}
          2  %y : f32[1,4,4,8] @NHWC = relu(%r)
        }
    Result:
        graph g(%x : f32[1,4,4,8] @NHWC) -> (%y) {
          0  %h : f32[1,4,4,8] @NHWC = sigmoid(%x)
          1  %y : f32[1,4,4,8] @NHWC = relu(%h)
        }
    """
    changed = rewrite_each(graph, NAME, None, _drop)
    graph.erase_unused_values()
    return changed


def _drop(graph, node):
    if not _is_no_op(graph, node):
        return False
    return bypass(graph, node)


def _is_no_op(graph, node):
    if node.op == "identity":
        return True
    if not node.inputs or len(node.outputs) != 1:
        return False
    x, y = graph.value(node.inputs[0]), graph.value(node.outputs[0])
    if x.is_const or x.shape != y.shape or x.layout != y.layout:
        return False
    if node.op in ("reshape", "flatten"):
        return True
    if node.op == "transpose":
        return list(node.attrs["perm"]) == list(range(len(x.shape)))
    if node.op == "affine":
        offset, scale, shift = (graph.value(n).data for n in node.inputs[1:])
        return not np.any(offset) and np.all(scale == 1) and not np.any(shift)
    return False
