"""concat: ONNX Concat. attrs: axis, an index into the inputs' stored layout (which they
all share); to-channels-last moves it with the data through `remap`.

Features flattened in source order ('N(C4H2W3)') concatenate into plain source-order
features ('NC'); any other flattened order along the concat axis has no single label."""

import numpy as np

from irc.ir import layout as L
from irc.ir.ops.registry import op


def _concat_infer(node, vals):
    axis = node.attrs["axis"]
    ranks = {len(v.shape) for v in vals}
    if len(ranks) != 1:
        raise ValueError(f"concat of tensors of ranks {sorted(ranks)}")
    if not 0 < axis < ranks.pop():
        raise ValueError(f"concat axis {axis} is the batch axis or out of range")
    parts = [L.axes(v.layout) for v in vals]
    for v, p in zip(vals, parts):
        others = [d for i, d in enumerate(v.shape) if i != axis]
        if others != [d for i, d in enumerate(vals[0].shape) if i != axis] or \
                [a for i, a in enumerate(p) if i != axis] != [a for i, a in enumerate(parts[0]) if i != axis]:
            raise ValueError("concat inputs differ off the concat axis: "
                             + ", ".join(f"{list(u.shape)} @{u.layout}" for u in vals))
    out = list(parts[0])
    labels = {p[axis] for p in parts}
    if len(labels) > 1 or labels.pop().startswith("("):
        if not all(_source_ordered(p[axis]) for p in parts):
            raise ValueError("concat along flattened features not all in source order: "
                             + ", ".join(f"@{v.layout}" for v in vals))
        out[axis] = "C"
    shape = list(vals[0].shape)
    shape[axis] = sum(v.shape[axis] for v in vals)
    return [(tuple(shape), "".join(out))]


def _source_ordered(part):
    letters = "".join(c for c in part if c.isalpha())
    return letters == "C" or (letters[0] == "C" and list(letters[1:]) == sorted(letters[1:], key="DHW".index))


def _concat_eval(node, arrays, vals):
    return [np.concatenate(arrays, axis=node.attrs["axis"])]


def _concat_remap(graph, node):
    """Called once the inputs have their new layout and before the output is re-inferred:
    the output still holds the old layout, which says which axis letter was concatenated."""
    old = L.axes(graph.value(node.outputs[0]).layout)
    new = L.axes(graph.value(node.inputs[0]).layout)
    letter = old[node.attrs["axis"]]
    if old == new or letter not in new:
        return False
    node.attrs["axis"] = new.index(letter)
    return True


op("concat", _concat_infer, _concat_eval, layout="free", remap=_concat_remap)
