"""ONNX ModelProto -> IR. Each ONNX node goes through the handler registered for its op
type (irc/frontend/onnx_ops/); outputs get shape and layout as they are created, so a
handler can look at its inputs' shapes."""

import numpy as np
import onnx
from onnx import numpy_helper

from irc.errors import IrcError
from irc.frontend import onnx_ops  # noqa: F401  (registers the handlers)
from irc.frontend.batch import per_sample
from irc.frontend.constant_nodes import fold_if_constant
from irc.frontend.onnx_ops.registry import HANDLERS
from irc.frontend.onnx_ops.unsupported import NO_KERASJS_FORM
from irc.frontend.weight_checks import refuse_nonfinite
from irc.ir.graph import Graph, Node, Value
from irc.ir.layout import SOURCE_ACTIVATION
from irc.ir.ops import OPS


class ImportContext:
    def __init__(self, model, source):
        self.graph = Graph(_graph_name(model, source))
        self.source = source
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
        self._consts = {}          # ONNX name -> array (initializers and Constant outputs)
        self._const_values = {}    # (ONNX name, layout) -> IR value name
        self.onnx_node = None

    # ---- constants ------------------------------------------------------------
    def add_constant(self, name, array):
        self._consts[name] = array

    def is_const(self, name):
        return name in self._consts

    def const_array(self, name):
        if name not in self._consts:
            raise self.error(f"input {name} must be a constant (a weight), but it is computed at run time")
        return self._consts[name]

    def weight(self, name, layout):
        """IR value for constant `name` in `layout` (one value per distinct use layout)."""
        key = (name, layout)
        if key not in self._const_values:
            array = np.asarray(self.const_array(name), dtype=np.float32)
            self.check_finite(name, array)
            self._const_values[key] = self.graph.const(name, array, layout).name
        return self._const_values[key]

    def check_finite(self, name, array):
        refuse_nonfinite(f"{self.where()}weight ", name, array)

    # ---- activations ------------------------------------------------------------
    def value(self, name):
        if name not in self.graph.values:
            raise self.error(f"input {name} is not produced by any earlier node (the graph has a cycle, "
                             "is not sorted topologically or names a missing tensor)")
        return self.graph.value(name)

    def emit(self, op, inputs, attrs=None, outputs=None, label=""):
        onnx_node = self.onnx_node
        outputs = outputs or [onnx_node.output[0]]
        node = Node(onnx_node.name or outputs[0], op, list(inputs), list(outputs), attrs or {},
                    origin=f"{onnx_node.op_type}:{onnx_node.name}" if onnx_node.name else onnx_node.op_type,
                    label=label or outputs[0])
        values = [self.value(i) for i in inputs]
        try:
            inferred = OPS[op].infer(node, values)
        except (ValueError, KeyError, IndexError) as exc:
            raise self.error(str(exc)) from None
        for name, (shape, layout) in zip(outputs, inferred):
            self.graph.add_value(Value(name, tuple(int(d) for d in shape), "f32", layout))
        return self.graph.add_node(node)

    def error(self, message):
        return IrcError(f"{self.where()}{message}")

    def where(self):
        """'model.onnx: node Conv_1 (Conv): ', the prefix of every message about this node."""
        n = self.onnx_node
        node = f"node {n.name or n.output[0]} ({n.op_type})" if n is not None else "graph"
        return f"{self.source}: {node}: "


def import_onnx(model, source="model.onnx", input_shapes=None, weights=None):
    """weights: {name: array} kept outside the proto (the Chainer front end's, by reference).
    A model at batch N > 1 comes back imported at batch 1 with graph.source_batch = N, or is
    refused when its samples meet (irc/frontend/batch.py)."""
    graph = _import_graph(model, source, input_shapes or {}, weights)
    return per_sample(graph, lambda shapes: _import_graph(model, source, shapes, weights), source)


def _import_graph(model, source, input_shapes, weights):
    ctx = ImportContext(model, source)
    for init in model.graph.initializer:
        ctx.add_constant(init.name, numpy_helper.to_array(init))
    for name, array in (weights or {}).items():
        ctx.add_constant(name, array)
    _add_graph_inputs(ctx, model.graph, input_shapes)
    for onnx_node in model.graph.node:
        ctx.onnx_node = onnx_node
        _import_node(ctx, onnx_node)
    ctx.onnx_node = None
    _set_outputs(ctx, model.graph)
    return ctx.graph


def _import_node(ctx, onnx_node):
    if onnx_node.domain not in ("", "ai.onnx"):
        raise ctx.error(f"op domain '{onnx_node.domain}' is not supported (only the default ONNX domain)")
    if fold_if_constant(ctx, onnx_node):
        return
    handler = HANDLERS.get(onnx_node.op_type)
    if handler is None:
        raise ctx.error(f"ONNX op {onnx_node.op_type} is not supported by irc "
                        f"(supported: {', '.join(sorted(set(HANDLERS) - set(NO_KERASJS_FORM)))})")
    handler(ctx, onnx_node)


def _add_graph_inputs(ctx, onnx_graph, input_shapes):
    for vi in onnx_graph.input:
        if ctx.is_const(vi.name):      # onnx_chainer lists initializers as inputs too
            continue
        shape = input_shapes.get(vi.name) or _static_shape(ctx, vi)
        elem = vi.type.tensor_type.elem_type
        if elem != onnx.TensorProto.FLOAT:
            raise IrcError(f"{ctx.source}: input {vi.name} has type "
                           f"{onnx.TensorProto.DataType.Name(elem)}; irc compiles float32 inputs")
        if len(shape) not in SOURCE_ACTIVATION:
            raise IrcError(f"{ctx.source}: input {vi.name} has rank {len(shape)}; irc supports ranks 1 to 5")
        ctx.graph.add_value(Value(vi.name, tuple(shape), "f32", SOURCE_ACTIVATION[len(shape)]))
        ctx.graph.inputs.append(vi.name)


def _static_shape(ctx, vi):
    dims = vi.type.tensor_type.shape.dim
    if any(not d.HasField("dim_value") or d.dim_value <= 0 for d in dims):
        raise IrcError(f"{ctx.source}: input {vi.name} has a dynamic shape "
                       f"{[d.dim_param or d.dim_value for d in dims]}; give --input-shape")
    return tuple(d.dim_value for d in dims)


def _set_outputs(ctx, onnx_graph):
    for vi in onnx_graph.output:
        if vi.name not in ctx.graph.values:
            raise IrcError(f"{ctx.source}: graph output {vi.name} is not computed from the inputs "
                           "(constant outputs are not supported)")
        ctx.graph.outputs.append(vi.name)


def _graph_name(model, source):
    import os
    return os.path.splitext(os.path.basename(source))[0] or model.graph.name or "model"


# Handlers register themselves on import.
