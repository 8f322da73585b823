"""Batch normalization, activations, softmax and elementwise arithmetic.

Arithmetic follows ONNX (numpy) broadcasting: activations of a smaller shape are expanded
(`expand`, after a rank-raising reshape), constant operands are stored with the activation's
rank and layout (passes/arith_to_affine.py turns them into per-channel or per-element affine
maps). What has no exact Keras.js formulation is refused here, naming node and op.
"""

import numpy as np

from irc.frontend.onnx_ops.common import attrs_of
from irc.frontend.onnx_ops.registry import onnx_op

# ONNX Selu's defaults, the float32 values of the constants Keras.js's selu uses in double.
SELU_ALPHA = 1.67326319217681884765625
SELU_GAMMA = 1.05070102214813232421875


@onnx_op("BatchNormalization")
def batch_norm(ctx, n):
    a = attrs_of(n)
    if a.get("spatial", 1) != 1:
        raise ctx.error("spatial=0 batch normalization is not supported")
    if a.get("training_mode", 0):
        raise ctx.error("training_mode=1: export the model in inference mode")
    params = [ctx.weight(name, "C") for name in n.input[1:5]]
    ctx.emit("batch_norm", [n.input[0]] + params, {"epsilon": float(a.get("epsilon", 1e-5))},
             outputs=[n.output[0]])


def _unary(op, **defaults):
    def handler(ctx, n):
        a = attrs_of(n)
        ctx.emit(op, [n.input[0]], {k: float(a.get(k, v)) for k, v in defaults.items()})
    return handler


onnx_op("Relu")(_unary("relu"))
onnx_op("Sigmoid")(_unary("sigmoid"))
onnx_op("Tanh")(_unary("tanh"))
onnx_op("LeakyRelu")(_unary("leaky_relu", alpha=0.01))
onnx_op("Elu")(_unary("elu", alpha=1.0))
onnx_op("Selu")(_unary("selu", alpha=SELU_ALPHA, gamma=SELU_GAMMA))
onnx_op("HardSigmoid")(_unary("hard_sigmoid", alpha=0.2, beta=0.5))
onnx_op("ThresholdedRelu")(_unary("thresholded_relu", alpha=1.0))
onnx_op("Softplus")(_unary("softplus"))
onnx_op("Softsign")(_unary("softsign"))
onnx_op("Identity", "Dropout")(_unary("identity"))


@onnx_op("HardSwish")
def hard_swish(ctx, n):
    """x * hard_sigmoid(x) with alpha 1/6, beta 0.5 (decompose-activations turns those into
    Keras's hard_sigmoid after an affine map)."""
    x = n.input[0]
    gate = emit_to_fresh(ctx, "hard_sigmoid", [x], "gate", {"alpha": 1 / 6, "beta": 0.5})
    ctx.emit("mul", [x, gate])


@onnx_op("PRelu")
def prelu(ctx, n):
    x = ctx.value(n.input[0])
    if not ctx.is_const(n.input[1]):
        raise ctx.error("the slope must be a constant (a weight), but it is computed at run time")
    slope = _const_of(ctx, n.input[1])
    if not _broadcasts_to(slope.shape, x.shape):
        raise ctx.error(f"slope {list(slope.shape)} does not broadcast to the input {list(x.shape)}")
    ctx.emit("prelu", [x.name, _operand_const(ctx, n.input[1], x)])


@onnx_op("Softmax")
def softmax(ctx, n):
    x = ctx.value(n.input[0])
    rank = len(x.shape)
    axis = attrs_of(n).get("axis", -1 if ctx.opset >= 13 else 1)
    if not -rank <= axis < rank:
        raise ctx.error(f"axis {axis} is out of range for a rank-{rank} input")
    axis %= rank
    # Before opset 13 the input is coerced to 2D at `axis`: one softmax over all later axes.
    axes = [axis] if ctx.opset >= 13 else list(range(axis, rank))
    ctx.emit("softmax", [x.name], {"axes": axes})


@onnx_op("LogSoftmax")
def log_softmax(ctx, n):
    raise ctx.error("Keras.js 1.0 has no log-softmax and no log activation to build it from; "
                    "export the model with Softmax (and take the log outside) instead")


# ---- arithmetic ---------------------------------------------------------------------------
@onnx_op("Add", "Sum")
def add(ctx, n):
    _arithmetic(ctx, n, "add")


@onnx_op("Mul")
def mul(ctx, n):
    _arithmetic(ctx, n, "mul")


@onnx_op("Sub")
def sub(ctx, n):
    _arithmetic(ctx, n, "sub")


@onnx_op("Div")
def div(ctx, n):
    """x / c as x * (1 / c): Keras.js has no division. Not exact: x * float32(1 / c) is within
    1 ulp of ONNX Runtime's x / c (and equal when c is a power of two)."""
    dividend, divisor = n.input     # both constant: folded at import (irc/frontend/constant_nodes.py)
    if not ctx.is_const(divisor):
        raise ctx.error("division by a tensor computed at run time has no Keras.js layer "
                        "(only division by a constant, as a multiplication by its reciprocal)")
    reciprocal = f"{n.output[0]}.reciprocal"
    with np.errstate(divide="ignore"):        # 1 / 0 = inf is refused when stored, naming it
        ctx.add_constant(reciprocal, np.float32(1) / _const_of(ctx, divisor))
    _arithmetic(ctx, n, "mul", [dividend, reciprocal])


@onnx_op("Max", "Min", "Mean")
def max_min_mean(ctx, n):
    _arithmetic(ctx, n, n.op_type.lower())


def _arithmetic(ctx, n, op, names=None):
    names = list(names or n.input)
    shapes = [np.shape(ctx.const_array(i)) if ctx.is_const(i) else ctx.value(i).shape for i in names]
    if ctx.opset < 7 and attrs_of(n).get("broadcast", 0):
        names[1], shapes[1] = _legacy_broadcast(ctx, n, names[1], shapes)
    try:
        out_shape = tuple(int(d) for d in np.broadcast_shapes(*shapes))
    except ValueError:
        raise ctx.error(f"operand shapes {[list(s) for s in shapes]} do not broadcast") from None
    if all(ctx.is_const(i) for i in names):
        ctx.add_constant(n.output[0], _evaluate_constants(ctx, n, op, names))
        return
    acts = [broadcast_activation(ctx, i, out_shape) for i in names if not ctx.is_const(i)]
    consts = [i for i in names if ctx.is_const(i)]
    if not consts:
        ctx.emit(op if len(acts) > 1 else "identity", acts)
        return
    x = ctx.value(acts[0])
    if op in ("max", "min", "mean"):
        _max_min_mean_with_constant(ctx, op, names, acts, consts, x)
        return
    if op == "sub":                   # one activation, one constant, in either order
        ctx.emit("sub", [_operand_const(ctx, i, x) if ctx.is_const(i) else acts[0] for i in names])
        return
    if len(acts) > 1:
        acts = [emit_to_fresh(ctx, op, acts, "merged")]
    result = acts[0]
    for i, const in enumerate(consts):      # one rounding per constant, as ONNX Runtime does
        operands = [result, _operand_const(ctx, const, x)]
        if i < len(consts) - 1:
            result = emit_to_fresh(ctx, op, operands, f"partial{i}")
        else:
            ctx.emit(op, operands)


def _legacy_broadcast(ctx, n, b_name, shapes):
    """Add/Sub/Mul before opset 7: with broadcast=1, B's shape lines up with A's from `axis`
    (default: B's trailing axes). Re-state B, a constant, with that shape for numpy rules."""
    a, b = shapes
    axis = attrs_of(n).get("axis", len(a) - len(b)) % max(len(a), 1)
    if axis + len(b) > len(a) or any(d not in (1, a[axis + i]) for i, d in enumerate(b)):
        raise ctx.error(f"legacy broadcast of {list(b)} into {list(a)} at axis {axis} does not fit")
    shape = (1,) * axis + tuple(b) + (1,) * (len(a) - axis - len(b))
    if not ctx.is_const(b_name):
        if tuple(shape) != tuple(ctx.value(b_name).shape):
            raise ctx.error("legacy (opset < 7) broadcasting of a computed operand is not supported")
        return b_name, shape
    name = f"{b_name}.broadcast_axis{axis}"
    ctx.add_constant(name, _const_of(ctx, b_name).reshape(shape))
    return name, shape


def _max_min_mean_with_constant(ctx, op, names, acts, consts, x):
    """Max(x, 0) is relu; otherwise each constant becomes an activation filled with it (Keras.js
    merges take activations only), in the operands' order: the Average sums in that order."""
    if op == "max" and all(not np.any(_const_of(ctx, c)) for c in consts):
        if len(acts) > 1:
            acts = [emit_to_fresh(ctx, "max", acts, "merged")]
        ctx.emit("relu", acts)
        return
    remaining = iter(acts)
    ctx.emit(op, [fill(ctx, x.name, _const_of(ctx, i)) if ctx.is_const(i) else next(remaining)
                  for i in names])


def _evaluate_constants(ctx, n, op, names):
    arrays = [np.asarray(ctx.const_array(i), np.float32) for i in names]
    fn = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "max": np.maximum, "min": np.minimum,
          "mean": np.add}[op]
    result = arrays[0]
    for array in arrays[1:]:
        result = fn(result, array).astype(np.float32)
    return result / np.float32(len(arrays)) if op == "mean" else result


# ---- helpers ------------------------------------------------------------------------------
def _broadcasts_to(shape, target):
    """ONNX unidirectional broadcasting: `shape` stretches to `target` without changing it."""
    if len(shape) > len(target):
        return False
    return all(s in (1, t) for s, t in zip(shape[::-1], target[::-1]))


def _const_of(ctx, name):
    return np.asarray(ctx.const_array(name), np.float32)


def _operand_const(ctx, name, x):
    return operand_array(ctx, name, _const_of(ctx, name), x)


def operand_array(ctx, name, array, x):
    """Constant `array` as an IR value of x's rank and layout (broadcasting like ONNX)."""
    if array.ndim > len(x.shape):
        raise ctx.error(f"constant {name} {list(array.shape)} has a higher rank than the input {list(x.shape)}")
    array = array.reshape((1,) * (len(x.shape) - array.ndim) + array.shape)
    ctx.check_finite(name, array)
    return ctx.graph.const(name, array, x.layout).name


def broadcast_activation(ctx, name, out_shape):
    """Raise the rank (reshape) and expand an activation to the broadcast result's shape."""
    from irc.ir.layout import SOURCE_ACTIVATION
    shape = ctx.value(name).shape
    if len(shape) < len(out_shape):
        target = [1] * (len(out_shape) - len(shape)) + list(shape)
        name = emit_to_fresh(ctx, "reshape", [name], "rank",
                             {"shape": target, "layout": SOURCE_ACTIVATION[len(target)]})
    if tuple(ctx.value(name).shape) != out_shape:
        name = emit_to_fresh(ctx, "expand", [name], "expanded", {"shape": list(out_shape)})
    return name


def fill(ctx, like, value):
    """An activation of `like`'s shape holding `value` (a scalar or an array broadcasting to it):
    affine(like, 0, 0, value) = like * 0 + value, exactly `value` for every finite input (an
    infinite one gives NaN). Keras.js merges take activations only; this makes one of a constant."""
    return _affine(ctx, like, 0, value, "fill")


def scaled(ctx, x, factor, suffix):
    """x * factor as an affine map (one float32 rounding) -> the new value's name."""
    return _affine(ctx, x, factor, 0, suffix)


def _affine(ctx, x, scale, shift, suffix):
    """affine(x, 0, scale, shift) = x * scale + shift, its constants in x's rank and layout,
    as a fresh value named after the ONNX node's output and `suffix`."""
    out = ctx.graph.fresh_name(f"{ctx.onnx_node.output[0]}.{suffix}")
    params = [operand_array(ctx, f"{out}.{p}", np.asarray(v, np.float32), ctx.value(x))
              for p, v in (("offset", 0), ("scale", scale), ("shift", shift))]
    ctx.emit("affine", [x] + params, outputs=[out])
    return out


def emit_to_fresh(ctx, op, inputs, suffix, attrs=None):
    out = ctx.graph.fresh_name(f"{ctx.onnx_node.output[0]}.{suffix}")
    ctx.emit(op, inputs, attrs, outputs=[out])
    return out
