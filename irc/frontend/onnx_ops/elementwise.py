"""Batch normalization, activations, softmax and elementwise arithmetic."""

from irc.frontend.onnx_import import onnx_op
from irc.frontend.onnx_ops.common import attrs_of


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
