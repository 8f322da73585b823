"""Handlers from ONNX ops to IR ops. Attribute defaults follow the ONNX operator spec."""

import numpy as np
from onnx import helper

from irc.frontend.onnx_import import onnx_op
from irc.ir.layout import SOURCE_ACTIVATION, axes


def attrs_of(onnx_node):
    return {a.name: helper.get_attribute_value(a) for a in onnx_node.attribute}


def _optional(onnx_node, i):
    return onnx_node.input[i] if len(onnx_node.input) > i and onnx_node.input[i] else None


def _spatial_attrs(ctx, onnx_node, kernel):
    a = attrs_of(onnx_node)
    if len(kernel) != 2:
        raise ctx.error(f"{len(kernel)}D kernels are not supported; irc handles 2D convolutions")
    pads = list(a.get("pads", [0, 0, 0, 0]))
    auto_pad = a.get("auto_pad", b"NOTSET").decode()
    if auto_pad not in ("NOTSET", "VALID"):
        raise ctx.error(f"auto_pad={auto_pad} is not supported; export with explicit pads")
    return {"strides": list(a.get("strides", [1, 1])), "pads": pads,
            "dilations": list(a.get("dilations", [1, 1])), "group": int(a.get("group", 1))}


def _require_spatial_input(ctx, x):
    if ctx.value(x).layout != "NCHW":
        raise ctx.error(f"expects a 4D NCHW input, got {list(ctx.value(x).shape)}")


@onnx_op("Conv")
def conv(ctx, n):
    _require_spatial_input(ctx, n.input[0])
    w = ctx.const_array(n.input[1])
    inputs = [n.input[0], ctx.weight(n.input[1], "OIHW")]
    if _optional(n, 2):
        inputs.append(ctx.weight(n.input[2], "C"))
    ctx.emit("conv2d", inputs, _spatial_attrs(ctx, n, w.shape[2:]))


@onnx_op("ConvTranspose")
def conv_transpose(ctx, n):
    _require_spatial_input(ctx, n.input[0])
    w = ctx.const_array(n.input[1])
    attrs = _spatial_attrs(ctx, n, w.shape[2:])
    a = attrs_of(n)
    attrs["output_padding"] = list(a.get("output_padding", [0, 0]))
    if "output_shape" in a:
        _pads_from_output_shape(ctx, n, attrs, w.shape[2:], list(a["output_shape"])[-2:])
    inputs = [n.input[0], ctx.weight(n.input[1], "IOHW")]
    if _optional(n, 2):
        inputs.append(ctx.weight(n.input[2], "C"))
    ctx.emit("conv2d_transpose", inputs, attrs)


def _pads_from_output_shape(ctx, n, attrs, kernel, output_shape):
    """ONNX: with output_shape given, pads are derived from it (end gets the smaller half)."""
    size = ctx.value(n.input[0]).shape[2:]
    upper = attrs_of(n).get("auto_pad", b"NOTSET") == b"SAME_UPPER"
    begin, end = [], []
    for i in range(2):
        full = (size[i] - 1) * attrs["strides"][i] + (kernel[i] - 1) * attrs["dilations"][i] + 1
        total = full + attrs["output_padding"][i] - output_shape[i]
        if total < 0:
            attrs["output_padding"][i] -= total
            total = 0
        small, large = total // 2, total - total // 2
        begin.append(small if upper else large)
        end.append(large if upper else small)
    attrs["pads"] = begin + end


@onnx_op("Gemm")
def gemm(ctx, n):
    a = attrs_of(n)
    if a.get("transA", 0):
        raise ctx.error("transA=1 is not supported (the input must be the left operand as is)")
    _require_2d(ctx, n.input[0])
    layout = "OI" if a.get("transB", 0) else "IO"
    w_name = _scaled(ctx, n.input[1], a.get("alpha", 1.0))
    inputs = [n.input[0], ctx.weight(w_name, layout)]
    if _optional(n, 2):
        out_features = ctx.const_array(w_name).shape[axes(layout).index("O")]
        b_name = _scaled(ctx, n.input[2], a.get("beta", 1.0))
        bias = ctx.const_array(b_name)
        if bias.size != out_features:      # Gemm broadcasts C; a Keras bias is one per output
            ctx.add_constant(b_name + ".broadcast", np.broadcast_to(bias, (1, out_features)).reshape(-1).copy())
            b_name += ".broadcast"
        inputs.append(ctx.weight(b_name, "C"))
    ctx.emit("dense", inputs)


def _scaled(ctx, name, factor):
    """Gemm's alpha/beta folded into the constant (a new constant only when factor != 1)."""
    if factor == 1.0:
        return name
    ctx.add_constant(name + ".scaled", ctx.const_array(name) * np.float32(factor))
    return name + ".scaled"


@onnx_op("MatMul")
def matmul(ctx, n):
    if ctx.const_array(n.input[1]).ndim != 2:
        raise ctx.error("only a 2D constant right operand is supported")
    _require_2d(ctx, n.input[0])
    ctx.emit("dense", [n.input[0], ctx.weight(n.input[1], "IO")])


def _require_2d(ctx, x):
    if len(ctx.value(x).shape) != 2:
        raise ctx.error(f"expects a 2D input, got {list(ctx.value(x).shape)}")


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
onnx_op("Identity", "Dropout")(_unary("identity"))


@onnx_op("Softmax")
def softmax(ctx, n):
    rank = len(ctx.value(n.input[0]).shape)
    axis = attrs_of(n).get("axis", -1 if ctx.opset >= 13 else 1) % rank
    if ctx.opset < 13 and axis != rank - 1:
        raise ctx.error(f"opset {ctx.opset} Softmax over axes {axis}.. of a rank-{rank} tensor is not supported")
    ctx.emit("softmax", [n.input[0]], {"axis": axis})


@onnx_op("Add")
def add(ctx, n):
    if any(ctx.is_const(i) for i in n.input):
        raise ctx.error("adding a constant is not supported yet")
    ctx.emit("add", list(n.input))


@onnx_op("Constant")
def constant(ctx, n):
    a = attrs_of(n)
    if "value" not in a:
        raise ctx.error(f"Constant with {sorted(a)} is not supported (only 'value')")
    from onnx import numpy_helper
    ctx.add_constant(n.output[0], numpy_helper.to_array(a["value"]))


@onnx_op("Reshape")
def reshape(ctx, n):
    source = ctx.value(n.input[0]).shape
    target = [int(d) for d in ctx.const_array(n.input[1])]
    allow_zero = attrs_of(n).get("allowzero", 0)
    target = [source[i] if d == 0 and not allow_zero else d for i, d in enumerate(target)]
    if -1 in target:
        known = int(np.prod([d for d in target if d != -1]))
        target[target.index(-1)] = int(np.prod(source)) // known
    if int(np.prod(target)) != int(np.prod(source)):
        raise ctx.error(f"cannot reshape {list(source)} to {target}")
    if len(target) not in SOURCE_ACTIVATION:
        raise ctx.error(f"reshape to rank {len(target)} is not supported")
    ctx.emit("reshape", [n.input[0]], {"shape": target, "layout": SOURCE_ACTIVATION[len(target)]})


@onnx_op("Flatten")
def flatten(ctx, n):
    if attrs_of(n).get("axis", 1) != 1:
        raise ctx.error("Flatten is supported with axis=1 only")
    ctx.emit("flatten", [n.input[0]])


@onnx_op("Transpose")
def transpose(ctx, n):
    rank = len(ctx.value(n.input[0]).shape)
    perm = list(attrs_of(n).get("perm", list(range(rank))[::-1]))
    ctx.emit("transpose", [n.input[0]], {"perm": perm, "layout": SOURCE_ACTIVATION[rank]})
