from irc.keras_semantics.padding import same_pads
from passes.kit import rewrite_each
from passes.registry import register_pass
from passes.util import add_op

NAME = "conv-padding"


@register_pass(NAME)
def conv_padding(graph):
    """Map ONNX Conv pads exactly onto Keras: padding=same when they equal what 'same'
    pads, else an explicit zero_pad2d in front of a padding=valid convolution.

    Given:
        graph g(%x : f32[1,8,8,5] @NHWC) -> (%y) {
          const %W : f32[3,3,5,8] @HWIO
          0  %y : f32[1,4,4,8] @NHWC = conv2d(%x, %W) {strides=[2,2] pads=[1,1,1,1]}
        }
    Result:
        graph g(%x : f32[1,8,8,5] @NHWC) -> (%y) {
          const %W : f32[3,3,5,8] @HWIO
          0  %x.padded : f32[1,10,10,5] @NHWC = zero_pad2d(%x) {amounts=[1,1,1,1]}
          1  %y : f32[1,4,4,8] @NHWC = conv2d(%x.padded, %W) {strides=[2,2] pads=[0,0,0,0] padding=valid}
        }
    """
    return rewrite_each(graph, NAME, ("conv2d",), _map_padding)


def _map_padding(graph, node):
    if "padding" in node.attrs:          # mapped already
        return False
    a = node.attrs
    x, w = graph.value(node.inputs[0]), graph.value(node.inputs[1])
    hw = [(x.shape[x.layout.index(c)], w.shape[w.layout.index(c)]) for c in "HW"]
    same = [same_pads(size, k, a["strides"][i], a["dilations"][i]) for i, (size, k) in enumerate(hw)]
    pads = a["pads"]
    node.last_pass = NAME
    if [pads[0], pads[2], pads[1], pads[3]] == [*same[0], *same[1]]:
        a["padding"] = "same"
        return True
    a["padding"] = "valid"
    if any(pads):
        amounts = [pads[0], pads[2], pads[1], pads[3]]
        padded = add_op(graph, "zero_pad2d", [node.inputs[0]], {"amounts": amounts},
                        f"{node.inputs[0]}.padded", node.origin, NAME, node.label)
        graph.set_inputs(node, [padded.outputs[0]] + node.inputs[1:])
        a["pads"] = [0, 0, 0, 0]
    return True
