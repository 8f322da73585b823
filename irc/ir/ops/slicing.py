"""slice: ONNX Slice (step 1) on one axis. attrs: axis, the label of the sliced axis in the
input's layout ('C', 'H', or a flattened group such as '(C4H2W3)'), and begin, end
(0 <= begin < end <= its size). Naming the axis by its label rather than its index makes
the op the same in any layout: to-channels-last moves the data and the label finds it.

A flattened group holds its features in source order only when the group is the source's
own order ('(C4H2W3)'); a slice of it is a run of plain source-order features ('C')."""

from irc.ir import layout as L
from irc.ir.ops.registry import op


def _sliced_axis(node, value):
    parts = L.axes(value.layout)
    axis = node.attrs["axis"]
    if axis not in parts:
        raise ValueError(f"slice of axis {axis}, which a @{value.layout} tensor does not have")
    index = parts.index(axis)
    if index == 0:
        raise ValueError("slice of the batch axis")
    letters = L.group_letters(value.layout, index)
    if axis.startswith("(") and "N" + letters != L.SOURCE_ACTIVATION.get(len(letters) + 1):
        raise ValueError(f"slice of features flattened in the order {axis}, not the source's")
    return index


def _slice_infer(node, vals):
    x = vals[0]
    index = _sliced_axis(node, x)
    begin, end = node.attrs["begin"], node.attrs["end"]
    if not 0 <= begin < end <= x.shape[index]:
        raise ValueError(f"slice [{begin}:{end}] of an axis of size {x.shape[index]}")
    shape, parts = list(x.shape), L.axes(x.layout)
    shape[index] = end - begin
    parts[index] = "C" if parts[index].startswith("(") else parts[index]
    return [(tuple(shape), "".join(parts))]


def _slice_eval(node, arrays, vals):
    index = [slice(None)] * arrays[0].ndim
    index[_sliced_axis(node, vals[0])] = slice(node.attrs["begin"], node.attrs["end"])
    return [arrays[0][tuple(index)]]


op("slice", _slice_infer, _slice_eval, layout="free")
