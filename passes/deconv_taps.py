import itertools

import numpy as np

from passes.deconv_padding import keras_same_pads
from passes.registry import register_pass
from passes.util import add_op

NAME = "deconv-taps"
# Keras.js's CPU Conv2DTranspose multiplies every input pixel by every kernel tap, also the
# products that land in the border 'same' padding trims (23% of a 4x4-input, kernel 4,
# stride 2 layer; 12% at 8x8; 6% at 16x16). The split layers pay a fixed cost per layer
# and per filter (Keras.js copies a Conv2D result out channel by channel): measured in
# Node, the split wins from about 10% of the multiply-adds saved.
MIN_SAVING = 0.10


@register_pass(NAME)
def deconv_taps(graph):
    """Split a strided padding='same' conv2d_transpose into its phases, each a sum of 1x1
    convolutions of the input cropped to where that kernel tap lands inside the output,
    woven back together (interleave2d): the same sums without the trimmed products. Output
    row s*m + a of phase a reads input row m - d through tap t = s*d + a + pad_before.
    The bias goes into each phase's unshifted term, the activation after the weave.

    Given:   %y : f32[1,8,8,256] @NHWC = conv2d_transpose(%x, %W, %b) {k=4 s=2 padding=same activation=relu}
    Result:  per phase (a, b) in (0,0) (0,1) (1,0) (1,1), per tap (dh, dw) in {0, a?-1:1}^2:
               %x.c = crop2d(%x) {amounts: the input rows/cols the tap never reads}
               %t   = conv2d(%x.c, %W[t_h, t_w] (1x1), [%b if dh == dw == 0])
               %t.p = zero_pad2d(%t) {amounts: the output rows/cols it never reaches}
             %p_ab = add(%t.p ...)
             %y.w = interleave2d(%p_00, %p_01, %p_10, %p_11) {strides=[2,2]};  %y = relu(%y.w)
    Exact up to float32 summation order (each output is the same products, summed per tap).
    Not in the default pipeline: Keras.js 0.3.0 (kerasjs-legacy) cannot run the weave's
    Permute, and in Node it saved only ~5-10% of the ch=512 generator's time (dc1 75 -> 61 ms,
    dc2 70 -> 63 ms CPU). Run it after fuse-activation.
    """
    changed = False
    for node in graph.nodes():
        if node.op == "conv2d_transpose":
            plan = _plan(graph, node)
            if plan is not None:
                _split(graph, node, plan)
                changed = True
    graph.erase_unused_values()
    return changed


def _plan(graph, node):
    """[[(t_h, d_h)] per row phase, [(t_w, d_w)] per column phase] when the split applies
    and saves at least MIN_SAVING of the multiply-adds, else None."""
    a = node.attrs
    x, w = graph.value(node.inputs[0]), graph.value(node.inputs[1])
    if a.get("padding") != "same" or a["group"] != 1 or a["dilations"] != [1, 1] or \
            a["output_padding"] != [0, 0] or x.layout != "NHWC" or w.layout != "HWOI":
        return None
    sizes, kernel, strides = x.shape[1:3], w.shape[:2], a["strides"]
    if strides == [1, 1] or any(k < s for k, s in zip(kernel, strides)):
        return None
    taps = [_taps_1d(*args) for args in zip(sizes, kernel, strides)]
    # Every phase needs an unshifted term to carry the bias onto all its pixels.
    if any(not phase or 0 not in [d for _, d in phase] for axis in taps for phase in axis):
        return None
    # Multiply-adds per input and output channel: each term's pixels, vs every pixel x every tap.
    split = sum((sizes[0] - abs(dh)) * (sizes[1] - abs(dw)) for rows in taps[0] for cols in taps[1]
                for _, dh in rows for _, dw in cols)
    if split > (1 - MIN_SAVING) * sizes[0] * sizes[1] * kernel[0] * kernel[1]:
        return None
    return taps


def _taps_1d(size, k, s):
    """Per phase a: the (tap t, input shift d) pairs with 0 <= t < k, t = s*d + a + pad_before
    and some output row the tap reaches (|d| < size)."""
    before = keras_same_pads(size, k, s)[0]
    return [[(t, (t - a - before) // s) for t in range(k)
             if (t - a - before) % s == 0 and abs((t - a - before) // s) < size] for a in range(s)]


def _edges(d):
    """Input rows to crop and output rows to zero-pad ([before, after]) for shift d."""
    return [max(-d, 0), max(d, 0)], [max(d, 0), max(-d, 0)]


def _split(graph, node, taps):
    result, label, activation = node.outputs[0], node.label, node.attrs.get("activation", "linear")

    def add(op, inputs, attrs, base, suffix):
        return add_op(graph, op, inputs, attrs, f"{result}.{base}", node.origin, NAME,
                      f"{label}_{suffix}" if label else "").outputs[0]

    crops = {}                       # (dh, dw) -> the input cropped for that shift, shared by phases
    phases = []
    for (a, rows), (b, cols) in itertools.product(enumerate(taps[0]), enumerate(taps[1])):
        terms = [_term(graph, node, add, crops, f"{a}{b}", tap_h, tap_w)
                 for tap_h, tap_w in itertools.product(rows, cols)]
        phases.append(terms[0] if len(terms) == 1 else add("add", terms, {}, f"phase{a}{b}", f"phase{a}{b}"))
    graph.erase(node)
    del graph.values[result]
    woven = add_op(graph, "interleave2d", phases, {"strides": list(node.attrs["strides"])},
                   result if activation == "linear" else f"{result}.woven", node.origin, NAME, label)
    if activation != "linear":
        add_op(graph, activation, woven.outputs, {}, result, node.origin, NAME, label)


def _term(graph, node, add, crops, phase, tap_h, tap_w):
    """One tap's 1x1 convolution of the input shifted by (dh, dw): crop, conv (with the bias
    when unshifted), zero-pad back to the phase's size."""
    (th, dh), (tw, dw) = tap_h, tap_w
    x, kernel, bias = node.inputs[0], graph.value(node.inputs[1]).data, node.inputs[2:]
    (crop_h, pad_h), (crop_w, pad_w) = _edges(dh), _edges(dw)
    source = x
    if dh or dw:
        if (dh, dw) not in crops:
            crops[(dh, dw)] = add("crop2d", [x], {"amounts": crop_h + crop_w}, f"crop{dh}{dw}", "crop")
        source = crops[(dh, dw)]
    weight = graph.const(graph.fresh_name(f"{node.outputs[0]}.W{th}{tw}"),
                         np.ascontiguousarray(kernel[th:th + 1, tw:tw + 1].transpose(0, 1, 3, 2)), "HWIO")
    conv = add("conv2d", [source, weight.name] + ([] if dh or dw else bias),
               {"strides": [1, 1], "pads": [0, 0, 0, 0], "dilations": [1, 1], "group": 1, "padding": "valid"},
               f"tap{phase}_{th}{tw}", f"tap{th}{tw}")
    if dh or dw:
        conv = add("zero_pad2d", [conv], {"amounts": pad_h + pad_w}, f"tap{phase}_{th}{tw}.pad", "pad")
    return conv
