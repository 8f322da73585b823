from passes.registry import register_pass
from passes.util import add_op

NAME = "conv-padding"


def keras_same_pads(size, k, s, d):
    """Keras(.js) Conv2D padding='same': output ceil(size/s), the odd pixel padded after."""
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


@register_pass(NAME)
def conv_padding(graph):
    """Map ONNX Conv pads exactly onto Keras: padding=same when they equal what 'same'
    pads, else an explicit zero_pad2d in front of a padding=valid convolution.

    Given:   %y = conv2d(%x, %W) {k=3 s=2 pads=[1,1,1,1]}       (%x 8x8: 'same' pads [0,1,0,1])
    Result:  %p = zero_pad2d(%x) {amounts=[1,1,1,1]};  %y = conv2d(%p, %W) {pads=[0,0,0,0] padding=valid}
    """
    changed = False
    for node in graph.nodes():
        if node.op == "conv2d" and "padding" not in node.attrs:
            _map_padding(graph, node)
            changed = True
    return changed


def _map_padding(graph, node):
    a = node.attrs
    x, w = graph.value(node.inputs[0]), graph.value(node.inputs[1])
    hw = [(x.shape[x.layout.index(c)], w.shape[w.layout.index(c)]) for c in "HW"]
    same = [keras_same_pads(size, k, a["strides"][i], a["dilations"][i]) for i, (size, k) in enumerate(hw)]
    pads = a["pads"]
    node.last_pass = NAME
    if [pads[0], pads[2], pads[1], pads[3]] == [*same[0], *same[1]]:
        a["padding"] = "same"
        return
    a["padding"] = "valid"
    if any(pads):
        amounts = [pads[0], pads[2], pads[1], pads[3]]
        padded = add_op(graph, "zero_pad2d", [node.inputs[0]], {"amounts": amounts},
                        f"{node.inputs[0]}.padded", node.origin, NAME, node.label)
        graph.set_inputs(node, [padded.outputs[0]] + node.inputs[1:])
        a["pads"] = [0, 0, 0, 0]
