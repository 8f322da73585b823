from irc.ir import layout as L
from passes.kit import Reject, rewrite_each
from passes.registry import register_pass
from passes.util import chw_to_hwc_order, permute_const, reinfer, single_consumer

NAME = "fold-flatten-into-dense"


@register_pass(NAME)
def fold_flatten_into_dense(graph):
    """Flatten channels-last data directly and reorder the dense kernel's rows to match,
    instead of transposing back to NCHW at run time (Flatten -> Linear of a CNN).

    Given:
        graph g(%x : f32[1,4,5,8] @NHWC) -> (%y) {
          const %W : f32[160,10] @IO
          const %b : f32[10] @C
          0  %t : f32[1,8,4,5] @NCHW = transpose(%x) {perm=[0,3,1,2]}
          1  %f : f32[1,160] @N(C8H4W5) = flatten(%t)
          2  %y : f32[1,10] @NC = dense(%f, %W, %b)
        }
    Result:
        graph g(%x : f32[1,4,5,8] @NHWC) -> (%y) {
          const %W : f32[160,10] @IO
          const %b : f32[10] @C
          0  %f : f32[1,160] @N(H4W5C8) = flatten(%x)
          1  %y : f32[1,10] @NC = dense(%f, %W, %b)
        }
    """
    changed = rewrite_each(graph, NAME, ("flatten", "reshape"), _fold)
    graph.erase_unused_values()
    return changed


def _fold(graph, flatten):
    transpose = graph.producer(flatten.inputs[0])
    dense = single_consumer(graph, flatten.outputs[0])
    if transpose is None or transpose.op != "transpose" or dense is None or dense.op != "dense":
        return False
    source = graph.value(transpose.inputs[0])
    back = L.SOURCE_ACTIVATION.get(len(source.shape), "")      # NHWC -> NCHW, also NWC, NDHWC
    if not L.is_spatial(back) or source.layout != L.channels_last(back) \
            or transpose.attrs["perm"] != list(L.perm(source.layout, back)):
        return False
    if flatten.op == "reshape" and (len(flatten.attrs["shape"]) != 2
                                    or flatten.attrs["shape"][0] != source.shape[0]):
        return Reject(f"the reshape to {flatten.attrs['shape']} does not flatten each sample")
    _, *space, c = source.shape
    permute_const(graph, dense, 1, chw_to_hwc_order(c, *space), "I", NAME)
    graph.set_inputs(flatten, [source.name])
    if flatten.op == "reshape":
        flatten.attrs["layout"] = L.flattened(source.layout, source.shape)
    for node in (flatten, dense):
        node.last_pass = NAME
        reinfer(graph, node)
    if not graph.consumers(transpose.outputs[0]) and transpose.outputs[0] not in graph.outputs:
        graph.erase(transpose)
    return True
