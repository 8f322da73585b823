"""Ops that act element by element (per channel for batch_norm, affine and prelu): any layout works.

Constant operands (of add/sub/mul/max/min/mean, prelu, affine) are stored with the same rank
and the same layout label as the activation they broadcast against (a per-channel bias of an
NCHW tensor is f32[1,C,1,1] @NCHW), so numpy broadcasting in the stored layout is ONNX's
broadcasting; the `remap` hook transposes them along when a pass moves the activation.
"""

import numpy as np

from irc.ir import layout as L
from irc.ir.ops.common import same_as_input
from irc.ir.ops.registry import op


def _batch_norm_eval(node, arrays, vals):
    x, gamma, beta, mean, var = arrays
    axis = L.channel_axis(vals[0].layout)
    shape = [1] * x.ndim
    shape[axis] = -1
    scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + node.attrs["epsilon"])
    y = (x - mean.reshape(shape)) * scale.reshape(shape) + beta.reshape(shape)
    return [y.astype(np.float32)]


op("batch_norm", same_as_input, _batch_norm_eval, layout="free")


# ---- constants that follow their activation's layout ----------------------------------
def activation_of(vals):
    """The first non-constant operand (the one that decides shape and layout)."""
    return next((v for v in vals if not v.is_const), vals[0])


def check_broadcast_const(const, x):
    """A constant operand must be stored like `x` and broadcast to exactly x's shape."""
    if len(const.shape) != len(x.shape) or sorted(L.axes(const.layout)) != sorted(L.axes(x.layout)):
        raise ValueError(f"constant %{const.name} {list(const.shape)} @{const.layout} is not stored like "
                         f"the activation {list(x.shape)} @{x.layout}")
    shape = tuple(const.shape[i] for i in L.perm(const.layout, x.layout))
    if any(c not in (1, d) for c, d in zip(shape, x.shape)):
        raise ValueError(f"constant %{const.name} {list(const.shape)} @{const.layout} does not broadcast "
                         f"to {list(x.shape)} @{x.layout}")


def in_layout(array, value, layout):
    return L.to_layout(array, value.layout, layout)


def follow_activation_layout(graph, node):
    """remap hook: transpose constant operands into the layout their activation now has."""
    vals = [graph.value(i) for i in node.inputs]
    x = activation_of(vals)
    inputs, moved = list(node.inputs), {}
    for i, v in enumerate(vals):
        if v.is_const and v.layout != x.layout and sorted(L.axes(v.layout)) == sorted(L.axes(x.layout)):
            if v.name not in moved:
                data = L.to_layout(v.data, v.layout, x.layout)
                if [n.name for n in graph.consumers(v.name)] == [node.name]:
                    del graph.values[v.name]          # only this node used it: the new one takes its name
                moved[v.name] = graph.const(v.name, data, x.layout).name
            inputs[i] = moved[v.name]
    if moved:
        graph.set_inputs(node, inputs)
    return bool(moved)


# ---- elementwise activations ----------------------------------------------------------
def _unary(fn):
    return lambda node, arrays, vals: [fn(node, arrays[0].astype(np.float64)).astype(np.float32)]


def _selu(n, x):
    return n.attrs["gamma"] * np.where(x > 0, x, n.attrs["alpha"] * (np.exp(np.minimum(x, 0)) - 1))


op("relu", same_as_input, _unary(lambda n, x: np.maximum(x, 0)), layout="free")
op("sigmoid", same_as_input, _unary(lambda n, x: 1 / (1 + np.exp(-x))), layout="free")
op("tanh", same_as_input, _unary(lambda n, x: np.tanh(x)), layout="free")
op("leaky_relu", same_as_input, _unary(lambda n, x: np.where(x >= 0, x, n.attrs["alpha"] * x)), layout="free")
op("elu", same_as_input, _unary(lambda n, x: np.where(x >= 0, x, n.attrs["alpha"] * (np.exp(np.minimum(x, 0)) - 1))),
   layout="free")
op("selu", same_as_input, _unary(_selu), layout="free")
op("hard_sigmoid", same_as_input,
   _unary(lambda n, x: np.clip(n.attrs["alpha"] * x + n.attrs["beta"], 0, 1)), layout="free")
op("thresholded_relu", same_as_input, _unary(lambda n, x: np.where(x > n.attrs["alpha"], x, 0)), layout="free")
op("softplus", same_as_input, _unary(lambda n, x: np.logaddexp(x, 0)), layout="free")
op("softsign", same_as_input, _unary(lambda n, x: x / (1 + np.abs(x))), layout="free")


def _prelu_infer(node, vals):
    check_broadcast_const(vals[1], vals[0])
    return same_as_input(node, vals)


def _prelu_eval(node, arrays, vals):
    x = arrays[0]
    slope = in_layout(arrays[1], vals[1], vals[0].layout)
    return [np.where(x < 0, (slope * x).astype(np.float32), x).astype(np.float32)]


op("prelu", _prelu_infer, _prelu_eval, layout="free", remap=follow_activation_layout)


# ---- softmax over a set of axes -------------------------------------------------------
def _softmax_eval(node, arrays, vals):
    x, axes = arrays[0].astype(np.float64), tuple(node.attrs["axes"])
    e = np.exp(x - x.max(axis=axes, keepdims=True))
    return [(e / e.sum(axis=axes, keepdims=True)).astype(np.float32)]


def _softmax_remap(graph, node):
    """`axes` index the stored layout: when to-channels-last moves the input (whose output
    still has the old layout at this point), move the axes with it."""
    old = L.axes(graph.value(node.outputs[0]).layout)
    new = L.axes(graph.value(node.inputs[0]).layout)
    if old == new or sorted(old) != sorted(new):
        return False
    node.attrs["axes"] = sorted(new.index(old[a]) for a in node.attrs["axes"])
    return True


op("softmax", same_as_input, _softmax_eval, layout="free", remap=_softmax_remap)


# ---- arithmetic between activations (and broadcast constants, until arith-to-affine) ----
def _arith_infer(node, vals):
    x = activation_of(vals)
    for v in vals:
        if v.is_const:
            check_broadcast_const(v, x)
        elif v.shape != x.shape or v.layout != x.layout:
            raise ValueError(f"{node.op} of {list(x.shape)} @{x.layout} and {list(v.shape)} @{v.layout}: "
                             "activation operands need equal shapes and layouts")
    return [(x.shape, x.layout)]


def _arith_eval(fn):
    def evaluate(node, arrays, vals):
        layout = activation_of(vals).layout
        operands = [in_layout(a, v, layout) for a, v in zip(arrays, vals)]
        result = operands[0].astype(np.float32)
        for operand in operands[1:]:
            result = fn(result, operand.astype(np.float32)).astype(np.float32)
        if node.op == "mean":
            result = (result / np.float32(len(operands))).astype(np.float32)
        return [result]
    return evaluate


ARITHMETIC = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "max": np.maximum,
              "min": np.minimum, "mean": np.add}
for _name, _fn in ARITHMETIC.items():
    op(_name, _arith_infer, _arith_eval(_fn), layout="free", remap=follow_activation_layout)


# ---- affine: ((x - offset) * scale) + shift, rounded to float32 after each step ----------
def _affine_infer(node, vals):
    for v in vals[1:]:
        check_broadcast_const(v, vals[0])
    return same_as_input(node, vals)


def _affine_eval(node, arrays, vals):
    layout = vals[0].layout
    offset, scale, shift = (in_layout(a, v, layout).astype(np.float32) for a, v in zip(arrays[1:], vals[1:]))
    y = (arrays[0].astype(np.float32) - offset).astype(np.float32)
    y = (y * scale).astype(np.float32)
    return [(y + shift).astype(np.float32)]


op("affine", _affine_infer, _affine_eval, layout="free", remap=follow_activation_layout)


# ---- expand: broadcast an activation to a larger shape (numpy/ONNX rules) ----------------
def _expand_infer(node, vals):
    x = vals[0]
    source = L.SOURCE_ACTIVATION[len(x.shape)]
    shape = tuple(node.attrs["shape"][i] for i in L.perm(source, x.layout))
    if len(shape) != len(x.shape) or any(s not in (1, t) for s, t in zip(x.shape, shape)):
        raise ValueError(f"cannot expand {list(x.shape)} @{x.layout} to {list(shape)}")
    return [(shape, x.layout)]


def _expand_eval(node, arrays, vals):
    shape, _ = _expand_infer(node, vals)[0]
    return [np.ascontiguousarray(np.broadcast_to(arrays[0], shape))]


op("expand", _expand_infer, _expand_eval, layout="free")

op("identity", same_as_input, lambda node, arrays, vals: [arrays[0]], layout="free")
