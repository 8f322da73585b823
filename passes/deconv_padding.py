import numpy as np

from irc.ir import layout as L
from irc.keras_semantics.padding import transposed_same_trim
from passes.kit import rewrite_each
from passes.registry import register_pass
from passes.util import add_op, reinfer

NAME = "deconv-padding"


@register_pass(NAME)
def deconv_padding(graph):
    """Map ONNX ConvTranspose pads exactly onto Keras' two modes.

    When the pads are what 'same' trims, the node is marked padding=same. Otherwise it
    becomes padding=valid (pads 0, and for kernels smaller than the stride the extra
    bias-only rows Keras makes, written as output_padding) followed by crop2d.

    Given:
        graph g(%x : f32[1,4,4,4] @NHWC) -> (%y) {
          const %W : f32[4,4,8,4] @HWOI
          const %b : f32[8] @C
          0  %y : f32[1,9,9,8] @NHWC = conv2d_transpose(%x, %W, %b) {strides=[2,2] pads=[1,1,0,0]}
        }
    Result:
        graph g(%x : f32[1,4,4,4] @NHWC) -> (%y) {
          const %W : f32[4,4,8,4] @HWOI
          const %b : f32[8] @C
          0  %y.valid : f32[1,10,10,8] @NHWC = conv2d_transpose(%x, %W, %b) {strides=[2,2] pads=[0,0,0,0] padding=valid}
          1  %y : f32[1,9,9,8] @NHWC = crop2d(%y.valid) {amounts=[1,0,1,0]}
        }

    Where output_padding reaches past Keras' output, the missing rows are zero-padded and
    the bias moves after the padding (an affine op), since ONNX adds it there too.
    """
    return rewrite_each(graph, NAME, ("conv2d_transpose",), _map_padding)


def _map_padding(graph, node):
    if "padding" in node.attrs:          # mapped already
        return False
    a = node.attrs
    kernel = _kernel_hw(graph, node)
    sizes = _input_hw(graph, node)
    same = [transposed_same_trim(kernel[i], a["strides"][i]) for i in range(2)]
    fits_same = all(kernel[i] >= a["strides"][i] for i in range(2))   # else 'same' is too long
    if fits_same and a["output_padding"] == [0, 0] and a["dilations"] == [1, 1] and \
            [a["pads"][0], a["pads"][2], a["pads"][1], a["pads"][3]] == [*same[0], *same[1]]:
        a["padding"] = "same"
        node.last_pass = NAME
        return True
    _split_into_valid_and_crop(graph, node, kernel, sizes)
    return True


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
    # [top, bottom, left, right]: negative where ONNX's output_padding reaches past what
    # Keras computes; those rows hold only the bias.
    edges = [pads[0], valid_hw[0] - pads[0] - target[0], pads[1], valid_hw[1] - pads[1] - target[1]]
    _append_steps(graph, node, _edge_steps(graph, node, edges))


def _edge_steps(graph, node, edges):
    """[(op, attrs, constant inputs)] that turn Keras' valid output into ONNX's."""
    steps = []
    if any(e > 0 for e in edges):
        steps.append(("crop2d", {"amounts": [max(e, 0) for e in edges]}, []))
    if any(e < 0 for e in edges):
        steps.append(("zero_pad2d", {"amounts": [max(-e, 0) for e in edges]}, []))
        if len(node.inputs) > 2:               # the bias moves after the padding, onto every row
            steps.append(("affine", {}, _bias_as_affine(graph, node)))
    return steps


def _bias_as_affine(graph, node):
    """Take the bias off the deconvolution; -> the affine op's (offset, scale, shift) constants."""
    layout = graph.value(node.outputs[0]).layout
    bias = graph.value(node.inputs[2]).data.astype(np.float32)
    graph.set_inputs(node, node.inputs[:2])
    shape = [-1 if axis == "C" else 1 for axis in L.axes(layout)]
    ones = np.ones([1] * len(shape), np.float32)
    return [graph.const(f"{node.outputs[0]}.{name}", data, layout).name
            for name, data in (("offset", 0 * ones), ("scale", ones), ("shift", bias.reshape(shape)))]


def _append_steps(graph, node, steps):
    """Chain `steps` after the node; the last one produces the node's old result, so its
    consumers and the graph outputs keep reading the same name."""
    if not steps:
        return
    result = node.outputs[0]
    current = graph.fresh_name(f"{result}.valid")
    value = graph.values.pop(result)
    value.name = current
    graph.add_value(value)
    graph.set_outputs(node, [current])
    for i, (op, attrs, constants) in enumerate(steps):
        base = result if i == len(steps) - 1 else f"{result}.{op}"
        current = add_op(graph, op, [current] + constants, attrs, base, node.origin, NAME, node.label).outputs[0]
    graph.erase_unused_values()


def _kernel_hw(graph, node):
    w = graph.value(node.inputs[1])
    return w.shape[w.layout.index("H")], w.shape[w.layout.index("W")]


def _input_hw(graph, node):
    x = graph.value(node.inputs[0])
    return x.shape[x.layout.index("H")], x.shape[x.layout.index("W")]
