import itertools

import numpy as np

from irc.keras_semantics.padding import transposed_same_trim
from passes.kit import Reject, rewrite_each
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
    Phases and taps are named by index: %y.tap{phase}_{tap}, %y.W{tap}.

    Given:
        graph g(%x : f32[1,2,2,4] @NHWC) -> (%y) {
          const %W : f32[2,3,6,4] @HWOI
          const %b : f32[6] @C
          0  %y : f32[1,4,4,6] @NHWC = conv2d_transpose(%x, %W, %b) {strides=[2,2] pads=[0,0,0,1] padding=same}
        }
    Result:
        graph g(%x : f32[1,2,2,4] @NHWC) -> (%y) {
          const %b : f32[6] @C
          const %y.W00 : f32[1,1,4,6] @HWIO
          const %y.W01 : f32[1,1,4,6] @HWIO
          const %y.W02 : f32[1,1,4,6] @HWIO
          const %y.W10 : f32[1,1,4,6] @HWIO
          const %y.W11 : f32[1,1,4,6] @HWIO
          const %y.W12 : f32[1,1,4,6] @HWIO
          0  %y.tap00_00 : f32[1,2,2,6] @NHWC = conv2d(%x, %y.W00, %b) {strides=[1,1] pads=[0,0,0,0] padding=valid}
          1  %y.crop01 : f32[1,2,1,4] @NHWC = crop2d(%x) {amounts=[0,0,0,1]}
          2  %y.tap00_02 : f32[1,2,1,6] @NHWC = conv2d(%y.crop01, %y.W02) {strides=[1,1] pads=[0,0,0,0] padding=valid}
          3  %y.tap00_02.pad : f32[1,2,2,6] @NHWC = zero_pad2d(%y.tap00_02) {amounts=[0,0,1,0]}
          4  %y.phase00 : f32[1,2,2,6] @NHWC = add(%y.tap00_00, %y.tap00_02.pad)
          5  %y.tap01_01 : f32[1,2,2,6] @NHWC = conv2d(%x, %y.W01, %b) {strides=[1,1] pads=[0,0,0,0] padding=valid}
          6  %y.tap10_10 : f32[1,2,2,6] @NHWC = conv2d(%x, %y.W10, %b) {strides=[1,1] pads=[0,0,0,0] padding=valid}
          7  %y.tap10_12 : f32[1,2,1,6] @NHWC = conv2d(%y.crop01, %y.W12) {strides=[1,1] pads=[0,0,0,0] padding=valid}
          8  %y.tap10_12.pad : f32[1,2,2,6] @NHWC = zero_pad2d(%y.tap10_12) {amounts=[0,0,1,0]}
          9  %y.phase10 : f32[1,2,2,6] @NHWC = add(%y.tap10_10, %y.tap10_12.pad)
         10  %y.tap11_11 : f32[1,2,2,6] @NHWC = conv2d(%x, %y.W11, %b) {strides=[1,1] pads=[0,0,0,0] padding=valid}
         11  %y : f32[1,4,4,6] @NHWC = interleave2d(%y.phase00, %y.tap01_01, %y.phase10, %y.tap11_11) {strides=[2,2]}
        }
    (A 2x3 kernel keeps it short: each row phase has one tap; column phase 0 has two, tap 2
    reading the input one column to the left, cropped and zero-padded back.)

    Exact up to float32 summation order (each output is the same products, summed per tap).
    Not in the default pipeline: Keras.js 0.3.0 (kerasjs-legacy) cannot run the weave's
    Permute, and in Node it saved only ~5-10% of the ch=512 generator's time (dc1 75 -> 61 ms,
    dc2 70 -> 63 ms CPU). Run it after fuse-activation.
    """
    changed = rewrite_each(graph, NAME, ("conv2d_transpose",), _split_if_worth_it)
    graph.erase_unused_values()
    return changed


def _split_if_worth_it(graph, node):
    plan = _plan(graph, node)
    if isinstance(plan, Reject):
        return plan
    _split(graph, node, plan)
    return True


def _plan(graph, node):
    """[[(t_h, d_h)] per row phase, [(t_w, d_w)] per column phase] when the split applies
    and saves at least MIN_SAVING of the multiply-adds, else Reject(why)."""
    a = node.attrs
    x, w = graph.value(node.inputs[0]), graph.value(node.inputs[1])
    if a.get("padding") != "same":
        return Reject(f"padding={a.get('padding')}: only 'same' trims products to save")
    if a["group"] != 1 or a["dilations"] != [1, 1] or a["output_padding"] != [0, 0] or \
            x.layout != "NHWC" or w.layout != "HWOI":
        return Reject("split only with group=1, dilations [1,1], no output_padding, NHWC input, HWOI kernel")
    sizes, kernel, strides = x.shape[1:3], w.shape[:2], a["strides"]
    if strides == [1, 1]:
        return Reject("stride 1: one phase, nothing trimmed")
    if any(k < s for k, s in zip(kernel, strides)):
        return Reject(f"kernel {list(kernel)} smaller than the strides {strides}")
    taps = [_taps_1d(*args) for args in zip(sizes, kernel, strides)]
    # Every phase needs an unshifted term to carry the bias onto all its pixels.
    if any(not phase or 0 not in [d for _, d in phase] for axis in taps for phase in axis):
        return Reject("a phase has no unshifted tap to carry the bias")
    # Multiply-adds per input and output channel: each term's pixels, vs every pixel x every tap.
    split = sum((sizes[0] - abs(dh)) * (sizes[1] - abs(dw)) for rows in taps[0] for cols in taps[1]
                for _, dh in rows for _, dw in cols)
    full = sizes[0] * sizes[1] * kernel[0] * kernel[1]
    if split > (1 - MIN_SAVING) * full:
        return Reject(f"the split saves {1 - split / full:.0%} of the multiply-adds, under {MIN_SAVING:.0%}")
    return taps


def _taps_1d(size, k, s):
    """Per phase a: the (tap t, input shift d) pairs with 0 <= t < k, t = s*d + a + pad_before
    and some output row the tap reaches (|d| < size)."""
    before = transposed_same_trim(k, s)[0]
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
