"""Upsample (opset 7-9) and Resize (opset 10+): nearest-neighbour upsampling by integer
factors on H and W, which Keras.js UpSampling2D does (each pixel repeated); linear by 2 with
half-pixel coordinates in bilinear.py.

Resize maps output pixel o to a source coordinate (coordinate_transformation_mode) and
rounds it (nearest_mode). Rather than trusting a table of which pairs are exact, the
handler computes ONNX Runtime's source index for every output row and column of this
very input and requires it to be o // scale, the pixel UpSampling2D repeats."""

import numpy as np

from irc.frontend.onnx_ops.bilinear import bilinear
from irc.frontend.onnx_ops.common import attrs_of, optional_input
from irc.frontend.onnx_ops.registry import onnx_op

_TRANSFORMS = {
    "half_pixel": lambda o, s, n, out: (o + 0.5) / s - 0.5,
    "half_pixel_symmetric": lambda o, s, n, out: (n / 2) * (1 - out / (s * n)) + (o + 0.5) / s - 0.5,
    "pytorch_half_pixel": lambda o, s, n, out: (o + 0.5) / s - 0.5 if out > 1 else 0.0 * o,
    "align_corners": lambda o, s, n, out: o * (n - 1) / (out - 1) if out > 1 else 0.0 * o,
    "asymmetric": lambda o, s, n, out: o / s,
    "tf_half_pixel_for_nn": lambda o, s, n, out: (o + 0.5) / s,
}
_ROUNDING = {
    "round_prefer_floor": lambda x: np.ceil(x - 0.5),
    "round_prefer_ceil": lambda x: np.floor(x + 0.5),
    "floor": np.floor,
    "ceil": np.ceil,
}


@onnx_op("Upsample")
def upsample(ctx, n):
    a = attrs_of(n)
    if ctx.opset < 9 and "scales" not in a:
        raise ctx.error("Upsample needs a scales attribute")
    scales = list(a["scales"]) if ctx.opset < 9 else [float(s) for s in ctx.const_array(n.input[1])]
    _emit(ctx, n, a.get("mode", b"nearest").decode(), scales, "asymmetric", "floor")


@onnx_op("Resize")
def resize(ctx, n):
    a = attrs_of(n)
    x = _require_nchw(ctx, n)
    if ctx.opset < 11:           # Resize-10: asymmetric coordinates, floor when upsampling (ORT)
        _emit(ctx, n, a.get("mode", b"nearest").decode(), [float(s) for s in ctx.const_array(n.input[1])],
              "asymmetric", "floor")
        return
    transform = a.get("coordinate_transformation_mode", b"half_pixel").decode()
    scales = _scales(ctx, n, a, x.shape)
    _emit(ctx, n, a.get("mode", b"nearest").decode(), scales, transform,
          a.get("nearest_mode", b"round_prefer_floor").decode())


def _require_nchw(ctx, n):
    x = ctx.value(n.input[0])
    if x.layout != "NCHW":
        raise ctx.error(f"expects a 4D NCHW input, got {list(x.shape)}")
    return x


def _scales(ctx, n, a, shape):
    """Per-axis scales from `scales` or `sizes` (opset 11+), over `axes` (opset 18) if given."""
    axes = [i + 4 if i < 0 else i for i in a.get("axes", range(4))]
    scales_name, sizes_name = optional_input(n, 2), optional_input(n, 3)
    scales = np.asarray(ctx.const_array(scales_name), dtype=np.float64) if scales_name else np.zeros(0)
    if scales.size:
        given = list(scales)
    elif sizes_name:
        policy = a.get("keep_aspect_ratio_policy", b"stretch").decode()
        if policy != "stretch":
            raise ctx.error(f"keep_aspect_ratio_policy={policy} is not supported (only stretch)")
        given = [int(size) / shape[axis] for size, axis in zip(ctx.const_array(sizes_name), axes)]
    else:
        raise ctx.error("Resize needs scales or sizes")
    if len(given) != len(axes):
        raise ctx.error(f"{len(given)} scales for axes {axes}")
    full = [1.0] * 4
    for axis, scale in zip(axes, given):
        full[axis] = float(scale)
    return full


def _emit(ctx, n, mode, scales, transform, nearest_mode):
    x = _require_nchw(ctx, n)
    if mode not in ("nearest", "linear", "bilinear"):
        raise ctx.error(f"mode={mode} is not supported (nearest, and linear by 2 with half-pixel coordinates)")
    if len(scales) != 4 or scales[0] != 1 or scales[1] != 1:
        raise ctx.error(f"scales {scales} resize the batch or channel axis; only H and W can be scaled")
    factors = scales[2:]
    if any(f != int(f) or f < 1 for f in factors):
        raise ctx.error(f"scales {factors} on H and W are not positive integers; Keras.js UpSampling2D "
                        "repeats each pixel a whole number of times")
    factors = [int(f) for f in factors]
    if mode != "nearest":
        bilinear(ctx, n, factors, transform)
        return
    if transform not in _TRANSFORMS:
        raise ctx.error(f"coordinate_transformation_mode={transform} is not supported for nearest upsampling")
    if nearest_mode not in _ROUNDING:
        raise ctx.error(f"nearest_mode={nearest_mode} is not a valid ONNX value")
    for axis, size, factor in zip("HW", x.shape[2:], factors):
        if not _repeats_pixels(size, factor, transform, nearest_mode):
            raise ctx.error(f"coordinate_transformation_mode={transform} with nearest_mode={nearest_mode} "
                            f"does not repeat each pixel {factor} times along {axis} (as Keras.js "
                            "UpSampling2D does); export with asymmetric + floor or half_pixel + round_prefer_floor")
    if factors == [1, 1]:
        ctx.emit("identity", [n.input[0]])
    else:
        ctx.emit("upsample2d", [n.input[0]], {"scales": factors})


def _repeats_pixels(size, factor, transform, nearest_mode):
    """ONNX Runtime's source index (float32 arithmetic, clamped) of every output index."""
    out = size * factor
    o = np.arange(out, dtype=np.float32)
    x = np.asarray(_TRANSFORMS[transform](o, np.float32(factor), np.float32(size), np.float32(out)),
                   dtype=np.float32)
    index = np.clip(_ROUNDING[nearest_mode](x), 0, size - 1).astype(np.int64)
    return bool(np.array_equal(index, np.arange(out) // factor))
