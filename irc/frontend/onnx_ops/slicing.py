"""Slice, Split and Gather with constant indices: contiguous runs of axes other than the
batch axis (step 1). H and W of a 4D tensor are cut by one crop2d (Keras Cropping2D); any
other axis by a `slice` (irc/ir/ops/slicing.py). Starts and ends are clamped as the ONNX
spec says (negative counts from the end, INT_MAX means the end)."""

import numpy as np

from irc.frontend.onnx_ops.common import attrs_of, optional_input
from irc.frontend.onnx_ops.registry import onnx_op
from irc.ir import layout as L
from irc.ir.layout import SOURCE_ACTIVATION


@onnx_op("Slice")
def slice_(ctx, n):
    rank = len(ctx.value(n.input[0]).shape)
    starts, ends, axes, steps = _slice_params(ctx, n)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise ctx.error(f"starts {starts}, ends {ends}, axes {axes} and steps {steps} differ in length")
    runs = {}
    for start, end, axis, step in zip(starts, ends, axes, steps):
        axis = _axis(ctx, axis, rank)
        if axis in runs:
            raise ctx.error(f"axis {axis} is sliced twice")
        if step != 1:
            raise ctx.error(f"step {step} on axis {axis} is not supported: only step 1 (Keras.js crops "
                            "contiguous runs)")
        runs[axis] = _clamped(start, end, ctx.value(n.input[0]).shape[axis])
    _emit_runs(ctx, n.input[0], n.output[0], runs)


def _slice_params(ctx, n):
    """Opset 1-9: attributes starts, ends, axes; 10 on: inputs starts, ends, axes, steps."""
    if ctx.opset < 10:
        a = attrs_of(n)
        starts, ends = list(a.get("starts", [])), list(a.get("ends", []))
        axes = list(a.get("axes", range(len(starts))))
        return starts, ends, axes, [1] * len(starts)
    starts, ends = (_ints(ctx, n.input[i]) for i in (1, 2))
    axes, steps = (optional_input(n, i) for i in (3, 4))
    axes = _ints(ctx, axes) if axes else list(range(len(starts)))
    return starts, ends, axes, _ints(ctx, steps) if steps else [1] * len(starts)


def _ints(ctx, name):
    return [int(v) for v in ctx.const_array(name).reshape(-1)]


def _axis(ctx, axis, rank):
    if not -rank <= axis < rank:
        raise ctx.error(f"axis {axis} is out of range for rank {rank}")
    return axis % rank


def _clamped(start, end, size):
    """ONNX Slice with step 1: a negative index counts from the end; both clamp to [0, size]."""
    start, end = (min(max(i + size if i < 0 else i, 0), size) for i in (start, end))
    return start, end


def _emit_runs(ctx, source, out, runs):
    """Cut `source` to runs {axis: (begin, end)} as `out`: one crop2d for H and W of a 4D
    tensor, a slice for each other axis, nothing for an axis kept whole."""
    shape = ctx.value(source).shape
    runs = {axis: run for axis, run in runs.items() if run != (0, shape[axis])}
    for axis, (begin, end) in runs.items():
        if begin >= end:
            raise ctx.error(f"axis {axis} sliced to [{begin}:{end}] of {shape[axis]} is empty")
    if 0 in runs:
        raise ctx.error(f"slicing the batch axis to [{runs[0][0]}:{runs[0][1]}] is not supported: "
                        "Keras.js runs one sample at a time")
    steps = []
    if len(shape) == 4 and runs.keys() & {2, 3}:
        (top, bottom), (left, right) = (runs.pop(a, (0, shape[a])) for a in (2, 3))
        steps.append(("crop2d", {"amounts": [top, shape[2] - bottom, left, shape[3] - right]}))
    steps += [("slice", {"axis": axis, "begin": begin, "end": end}) for axis, (begin, end) in sorted(runs.items())]
    if not steps:
        ctx.emit("identity", [source], outputs=[out])
    for i, (op, attrs) in enumerate(steps):
        if op == "slice":      # the axis by its label: the op follows it through layout changes
            attrs["axis"] = L.axes(ctx.value(source).layout)[attrs["axis"]]
        result = out if i == len(steps) - 1 else f"{out}.{op}{i}"
        source = ctx.emit(op, [source], attrs, outputs=[result]).outputs[0]


@onnx_op("Split")
def split(ctx, n):
    shape = ctx.value(n.input[0]).shape
    a = attrs_of(n)
    axis = _axis(ctx, a.get("axis", 0), len(shape))
    sizes = _split_sizes(ctx, n, a, shape[axis])
    begin = 0
    for out, size in zip(n.output, sizes):
        if out:                                  # an unused output may go unnamed
            _emit_runs(ctx, n.input[0], out, {axis: (begin, begin + size)})
        begin += size


def _split_sizes(ctx, n, a, size):
    """`split`: an attribute before opset 13, an input from 13 on. Without it, equal parts,
    one per output (opset 18: `num_outputs`, the last part smaller if it must be)."""
    name = optional_input(n, 1) if ctx.opset >= 13 else None
    sizes = _ints(ctx, name) if name else list(a.get("split", []))
    if not sizes:
        count = a.get("num_outputs", len(n.output))
        part = -(-size // count)
        if size % count and ctx.opset < 18:
            raise ctx.error(f"an axis of size {size} does not split into {count} equal parts")
        sizes = [part] * (count - 1) + [size - part * (count - 1)]
    if len(sizes) != len(n.output) or sum(sizes) != size or min(sizes) <= 0:
        raise ctx.error(f"split {sizes} does not cut an axis of size {size} into {len(n.output)} non-empty parts")
    return sizes


@onnx_op("Gather")
def gather(ctx, n):
    """Constant indices into a computed tensor: a scalar index is a slice of one that drops
    the axis; a 1-D list, a slice per run of consecutive indices, concatenated."""
    shape = ctx.value(n.input[0]).shape
    axis = _axis(ctx, attrs_of(n).get("axis", 0), len(shape))
    indices = np.asarray(ctx.const_array(n.input[1])).astype(np.int64)
    if axis == 0:
        raise ctx.error("gathering along the batch axis is not supported: Keras.js runs one sample at a time")
    if indices.ndim > 1 or indices.size == 0:
        raise ctx.error(f"indices of shape {list(indices.shape)} are not supported (a scalar or a non-empty list)")
    if not np.all((-shape[axis] <= indices) & (indices < shape[axis])):
        raise ctx.error(f"indices {indices.tolist()} are out of range for an axis of size {shape[axis]}")
    indices = indices % shape[axis]
    if indices.ndim == 0:
        index = int(indices)
        kept = f"{n.output[0]}.kept"
        _emit_runs(ctx, n.input[0], kept, {axis: (index, index + 1)})
        target = [d for i, d in enumerate(shape) if i != axis]
        ctx.emit("reshape", [kept], {"shape": target, "layout": SOURCE_ACTIVATION[len(target)]})
        return
    runs = _consecutive_runs(indices.tolist())
    if len(runs) == 1:
        _emit_runs(ctx, n.input[0], n.output[0], {axis: runs[0]})
        return
    parts = [f"{n.output[0]}.run{i}" for i in range(len(runs))]
    for part, run in zip(parts, runs):
        _emit_runs(ctx, n.input[0], part, {axis: run})
    ctx.emit("concat", parts, {"axis": axis})


def _consecutive_runs(indices):
    """[3, 4, 5, 0, 1] -> [(3, 6), (0, 2)]: the (begin, end) of each run of consecutive indices."""
    runs = []
    for i in indices:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs
