"""Resize mode=linear by 2 on H and/or W with half-pixel coordinates (PyTorch's
nn.Upsample(scale_factor=2, mode='bilinear'), align_corners=False), from layers Keras.js has.

Along one axis of size n, half-pixel coordinates put output 2i at i - 1/4 and 2i + 1 at
i + 1/4 (clamped at the borders), so

    out[2i]     = 0.75 * x[i] + 0.25 * x[i - 1]
    out[2i + 1] = 0.75 * x[i] + 0.25 * x[i + 1]      (x[-1] = x[0], x[n] = x[n - 1])

that is 0.75 * (x with each cell repeated) + 0.25 * (the previous and the next cell,
interleaved): nearest upsampling, edge copies shifted by one (edge_pad2d + crop2d), an
interleave by concatenation and reshape, and two affine maps. Bilinear in 2-D is the two
axes one after the other; float32 rounds a little differently from ONNX Runtime's weighted
sum of four cells (a few ulps). Other factors and coordinate modes put each output at
weights that vary along the axis: refused.
"""

from irc.frontend.onnx_ops.elementwise import emit_to_fresh, scaled

HALF_PIXEL = ("half_pixel", "pytorch_half_pixel")
AXES = {"H": 2, "W": 3}


def bilinear(ctx, n, factors, transform):
    """factors: the integer scales of H and W, each 1 or 2."""
    if transform not in HALF_PIXEL:
        raise ctx.error(f"mode=linear with coordinate_transformation_mode={transform} is not supported (only "
                        "half_pixel, as PyTorch's align_corners=False): its weights vary along the axis")
    if any(f not in (1, 2) for f in factors):
        raise ctx.error(f"mode=linear by {factors} is not supported (only by 2 on H and/or W): other factors "
                        "weight each output differently")
    result = n.input[0]
    for axis, factor in zip(AXES, factors):
        if factor == 2:
            result = _double(ctx, result, axis)
    ctx.emit("identity", [result])


def _double(ctx, x, axis):
    repeated = emit_to_fresh(ctx, "upsample2d", [x], f"{axis}.repeated",
                             {"scales": [2, 1] if axis == "H" else [1, 2]})
    before, after = (_shifted(ctx, x, axis, toward) for toward in ("before", "after"))
    neighbours = _interleaved(ctx, before, after, axis)
    weighted = [scaled(ctx, repeated, 0.75, f"{axis}.times0.75"), scaled(ctx, neighbours, 0.25, f"{axis}.times0.25")]
    return emit_to_fresh(ctx, "add", weighted, f"{axis}.linear")


def _shifted(ctx, x, axis, toward):
    """x[i - 1] ('before') or x[i + 1] ('after') at i, the border cell copied."""
    side = (0 if toward == "before" else 1) + (0 if axis == "H" else 2)      # [top, bottom, left, right]
    grow = [0, 0, 0, 0]
    grow[side] = 1
    cut = [0, 0, 0, 0]
    cut[side ^ 1] = 1                       # the other end of the same axis
    padded = emit_to_fresh(ctx, "edge_pad2d", [x], f"{axis}.{toward}.padded", {"amounts": grow})
    return emit_to_fresh(ctx, "crop2d", [padded], f"{axis}.{toward}", {"amounts": cut})


def _interleaved(ctx, first, second, axis):
    """first[i] at 2i and second[i] at 2i + 1 along axis: side by side on a new last axis
    (W's rows for H), then read as one axis twice as long."""
    n, c, h, w = ctx.value(first).shape
    if axis == "W":
        first, second = (emit_to_fresh(ctx, "reshape", [t], f"W.{i}.cells", {"shape": [n, c, h, w, 1],
                                                                              "layout": "NCDHW"})
                         for i, t in enumerate((first, second)))
    joined = emit_to_fresh(ctx, "concat", [first, second], f"{axis}.pairs", {"axis": 4 if axis == "W" else 3})
    shape = [n, c, 2 * h, w] if axis == "H" else [n, c, h, 2 * w]
    return emit_to_fresh(ctx, "reshape", [joined], f"{axis}.neighbours", {"shape": shape, "layout": "NCHW"})
