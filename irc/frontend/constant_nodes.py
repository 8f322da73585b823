"""ONNX nodes whose result is known at compile time are evaluated at import.

A node qualifies when every input is a constant (weights, Constant outputs, results of
earlier folded nodes), or when it asks for the Shape or Size of an activation, whose shape
irc always knows. Such nodes run in onnx's reference evaluator with the model's opset,
so any standard op folds (Cast, Gather, Unsqueeze, Concat, Slice, arithmetic on shapes,
a Transpose of a weight, ...): the shape computations exporters emit never reach the IR.
"""

import numpy as np
import onnx
from onnx import helper

# Ops with no inputs that are not constants (random generators) or that handlers own.
NOT_FOLDED = {"Constant", "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
              "Multinomial", "Bernoulli"}


def fold_if_constant(ctx, onnx_node):
    """Evaluate the node now if its result is known; True when it was folded."""
    if onnx_node.op_type in ("Shape", "Size") and not ctx.is_const(onnx_node.input[0]):
        ctx.add_constant(onnx_node.output[0], _shape_of(ctx, onnx_node))
        return True
    inputs = [name for name in onnx_node.input if name]
    if onnx_node.op_type in NOT_FOLDED or not inputs or not all(ctx.is_const(n) for n in inputs):
        return False
    for name, array in zip(onnx_node.output, _evaluate(ctx, onnx_node)):
        ctx.add_constant(name, np.asarray(array))
    return True


def _shape_of(ctx, onnx_node):
    shape = np.array(ctx.value(onnx_node.input[0]).shape, dtype=np.int64)
    if onnx_node.op_type == "Size":
        return np.array(shape.prod(), dtype=np.int64)
    attrs = {a.name: helper.get_attribute_value(a) for a in onnx_node.attribute}
    return shape[attrs.get("start", 0):attrs.get("end", len(shape))]    # opset 15 adds start/end


def _evaluate(ctx, onnx_node):
    from onnx.reference import ReferenceEvaluator
    feeds = {name: ctx.const_array(name) for name in onnx_node.input if name}
    graph = helper.make_graph(
        [onnx_node], "fold",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(np.asarray(a).dtype), np.shape(a))
         for n, a in feeds.items()],
        [helper.make_tensor_value_info(o, onnx.TensorProto.UNDEFINED, None) for o in onnx_node.output if o])
    model = helper.make_model(graph, opset_imports=[helper.make_operatorsetid("", ctx.opset)])
    try:
        return ReferenceEvaluator(model).run(None, feeds)
    except Exception as exc:     # the reference evaluator raises whatever numpy raises
        raise ctx.error(f"cannot evaluate this constant expression: {type(exc).__name__}: "
                        f"{str(exc).splitlines()[0][:200] if str(exc) else ''}") from None
