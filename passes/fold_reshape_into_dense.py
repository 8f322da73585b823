from passes.kit import Reject, rewrite_each
from passes.registry import register_pass
from passes.util import chw_to_hwc_order, permute_const, reinfer, shared_result, single_consumer

NAME = "fold-reshape-into-dense"
# Ops that act on each feature on its own: reordering features commutes with them.
PER_FEATURE = {"batch_norm", "relu", "sigmoid", "tanh", "leaky_relu", "elu"}


@register_pass(NAME)
def fold_reshape_into_dense(graph):
    """Make a dense layer emit its features channels-last, so the reshape to an image
    needs no transpose at run time (the Linear -> reshape -> deconv of a DCGAN generator).

    Given:
        graph g(%z : f32[1,100] @NC) -> (%y) {
          const %W : f32[100,256] @IO
          const %b : f32[256] @C
          0  %l : f32[1,256] @NC = dense(%z, %W, %b)
          1  %r : f32[1,256] @NC = relu(%l)
          2  %h : f32[1,16,4,4] @NCHW = reshape(%r) {shape=[1,16,4,4]}
          3  %t : f32[1,4,4,16] @NHWC = transpose(%h) {perm=[0,2,3,1]}
          4  %y : f32[1,4,4,16] @NHWC = sigmoid(%t)
        }
    Result:
        graph g(%z : f32[1,100] @NC) -> (%y) {
          const %W : f32[100,256] @IO
          const %b : f32[256] @C
          0  %l : f32[1,256] @N(H4W4C16) = dense(%z, %W, %b)
          1  %r : f32[1,256] @N(H4W4C16) = relu(%l)
          2  %h : f32[1,4,4,16] @NHWC = reshape(%r) {shape=[1,4,4,16]}
          3  %y : f32[1,4,4,16] @NHWC = sigmoid(%h)
        }
    """
    changed = rewrite_each(graph, NAME, ("reshape",), _fold)
    graph.erase_unused_values()
    return changed


def _fold(graph, reshape):
    transpose = single_consumer(graph, reshape.outputs[0])
    if transpose is None or transpose.op != "transpose" or transpose.attrs["perm"] != [0, 2, 3, 1]:
        return False
    if graph.value(transpose.outputs[0]).layout != "NHWC":     # the model's own Transpose: axes renamed
        return False
    if graph.value(reshape.outputs[0]).layout != "NCHW":
        return False
    chain = _per_feature_chain(graph, reshape.inputs[0])
    if isinstance(chain, Reject):
        return chain
    _, c, h, w = graph.value(reshape.outputs[0]).shape
    order = chw_to_hwc_order(c, h, w)
    dense, per_feature = chain[0], chain[1:]
    permute_const(graph, dense, 1, order, "O", NAME)
    if len(dense.inputs) > 2:
        permute_const(graph, dense, 2, order, "C", NAME)
    dense.attrs["features"] = f"(H{h}W{w}C{c})"
    for node in per_feature:
        for i in range(1, len(node.inputs)):            # batch-norm parameters
            permute_const(graph, node, i, order, "C", NAME)
    for node in chain:
        reinfer(graph, node)
        node.last_pass = NAME
    _reshape_to_channels_last(graph, reshape, transpose)
    return True


def _per_feature_chain(graph, value_name):
    """[dense, per-feature ops...] ending in value_name, each result used only once; else
    Reject(why)."""
    chain = []
    node = graph.producer(value_name)
    while node is not None and node.op in PER_FEATURE:
        chain.insert(0, node)
        node = graph.producer(node.inputs[0])
    if node is None or node.op != "dense":
        source = f"%{node.outputs[0]} ({node.op})" if node else "a graph input or constant"
        return Reject(f"its features come from {source}, not a dense layer through per-feature ops")
    for link in [node] + chain:
        shared = shared_result(graph, link.outputs[0])
        if shared is not None:
            return Reject(f"%{link.outputs[0]}: {shared.why}")
    return [node] + chain


def _reshape_to_channels_last(graph, reshape, transpose):
    """The reshape now writes NHWC itself; the transpose's result takes the reshape's name."""
    n, c, h, w = reshape.attrs["shape"]
    reshape.attrs.update(shape=[n, h, w, c], layout="NHWC")
    reshape.last_pass = NAME
    nchw, nhwc = reshape.outputs[0], transpose.outputs[0]
    graph.erase(transpose)
    del graph.values[nchw]
    graph.set_outputs(reshape, [nhwc])
    graph.rename_value(nhwc, nchw)
