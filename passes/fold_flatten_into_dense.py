from irc.ir import layout as L
from passes.registry import register_pass
from passes.util import chw_to_hwc_order, permute_const, reinfer, single_consumer

NAME = "fold-flatten-into-dense"


@register_pass(NAME)
def fold_flatten_into_dense(graph):
    """Flatten channels-last data directly and reorder the dense kernel's rows to match,
    instead of transposing back to NCHW at run time (Flatten -> Linear of a CNN).

    Given:   %t : f32[1,8,4,5] @NCHW = transpose(%x @NHWC) {perm=[0,3,1,2]}
             %f : f32[1,160] @N(C8H4W5) = flatten(%t);  %y = dense(%f, %W @IO, %b)
    Result:  %f : f32[1,160] @N(H4W5C8) = flatten(%x);  %y = dense(%f, %W' @IO, %b)   (rows reordered)
    """
    changed = False
    for node in graph.nodes():
        if node.op in ("flatten", "reshape") and _fold(graph, node):
            changed = True
    graph.erase_unused_values()
    return changed


def _fold(graph, flatten):
    transpose = graph.producer(flatten.inputs[0])
    dense = single_consumer(graph, flatten.outputs[0])
    if transpose is None or transpose.op != "transpose" or dense is None or dense.op != "dense":
        return False
    source = graph.value(transpose.inputs[0])
    if source.layout != "NHWC" or transpose.attrs["perm"] != [0, 3, 1, 2]:
        return False
    if flatten.op == "reshape" and (len(flatten.attrs["shape"]) != 2
                                    or flatten.attrs["shape"][0] != source.shape[0]):   # not per sample
        return False
    _, h, w, c = source.shape
    permute_const(graph, dense, 1, chw_to_hwc_order(c, h, w), "I", NAME)
    graph.set_inputs(flatten, [source.name])
    if flatten.op == "reshape":
        flatten.attrs["layout"] = L.flattened(source.layout, source.shape)
    for node in (flatten, dense):
        node.last_pass = NAME
        reinfer(graph, node)
    if not graph.consumers(transpose.outputs[0]) and transpose.outputs[0] not in graph.outputs:
        graph.erase(transpose)
    return True
