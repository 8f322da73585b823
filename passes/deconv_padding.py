from passes.registry import register_pass
from passes.util import add_op, reinfer

NAME = "deconv-padding"


def keras_same_pads(size, k, s):
    """Keras(.js) Conv2DTranspose padding='same': output size*s, (k-s) trimmed, less in front."""
    total = max(k - s, 0)
    return total // 2, total - total // 2


@register_pass(NAME)
def deconv_padding(graph):
    """Map ONNX ConvTranspose pads exactly onto Keras' two modes.

    When the pads are what 'same' trims, the node is marked padding=same. Otherwise it
    becomes padding=valid (pads 0, and for kernels smaller than the stride the extra
    bias-only rows Keras makes, written as output_padding) followed by crop2d.

    Given:   %y : f32[1,9,9,8] @NHWC = conv2d_transpose(%x, %W, %b) {k=4 s=2 pads=[1,1,0,0]}
    Result:  %v : f32[1,10,10,8] @NHWC = conv2d_transpose(%x, %W, %b) {pads=[0,0,0,0] padding=valid}
             %y : f32[1,9,9,8] @NHWC = crop2d(%v) {amounts=[1,0,1,0]}
    """
    changed = False
    for node in graph.nodes():
        if node.op == "conv2d_transpose" and "padding" not in node.attrs:
            _map_padding(graph, node)
            changed = True
    return changed


def _map_padding(graph, node):
    a = node.attrs
    kernel = _kernel_hw(graph, node)
    sizes = _input_hw(graph, node)
    same = [keras_same_pads(sizes[i], kernel[i], a["strides"][i]) for i in range(2)]
    fits_same = all(kernel[i] >= a["strides"][i] for i in range(2))   # else 'same' is too long
    if fits_same and a["output_padding"] == [0, 0] and a["dilations"] == [1, 1] and \
            [a["pads"][0], a["pads"][2], a["pads"][1], a["pads"][3]] == [*same[0], *same[1]]:
        a["padding"] = "same"
        node.last_pass = NAME
        return
    _split_into_valid_and_crop(graph, node, kernel, sizes)


def _split_into_valid_and_crop(graph, node, kernel, sizes):
    a = node.attrs
    out = graph.value(node.outputs[0])
    h_axis, w_axis = out.layout.index("H"), out.layout.index("W")
    target = (out.shape[h_axis], out.shape[w_axis])
    pads = a["pads"]
    a.update(pads=[0, 0, 0, 0], padding="valid",
             output_padding=[max(a["strides"][i] - kernel[i], 0) for i in range(2)])
    node.last_pass = NAME
    reinfer(graph, node)
    valid = graph.value(node.outputs[0])
    valid_hw = (valid.shape[h_axis], valid.shape[w_axis])
    crop = [pads[0], valid_hw[0] - pads[0] - target[0], pads[1], valid_hw[1] - pads[1] - target[1]]
    if min(crop) < 0:
        from irc.errors import IrcError
        raise IrcError(f"node {node.name} ({node.origin}): ConvTranspose with output_padding "
                       f"{a['output_padding']} and pads {pads} has no Keras equivalent")
    _append_crop(graph, node, crop)


def _append_crop(graph, node, crop):
    result = node.outputs[0]
    full = graph.fresh_name(f"{result}.valid")
    value = graph.values.pop(result)     # only the deconv's own output is renamed: its
    value.name = full                    # consumers and the graph outputs keep reading `result`,
    graph.add_value(value)               # which the crop now produces
    graph.set_outputs(node, [full])
    add_op(graph, "crop2d", [full], {"amounts": crop}, result, node.origin, NAME, node.label)


def _kernel_hw(graph, node):
    w = graph.value(node.inputs[1])
    return w.shape[w.layout.index("H")], w.shape[w.layout.index("W")]


def _input_hw(graph, node):
    x = graph.value(node.inputs[0])
    return x.shape[x.layout.index("H")], x.shape[x.layout.index("W")]
