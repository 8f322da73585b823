"""Small ONNX graphs for per-op and per-pass tests, and ONNX Runtime as the reference.

Shapes keep N, C, H and W distinct (and H != W) so that a layout mix-up changes numbers.
"""

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


class OnnxBuilder:
    """Build a graph node by node: b.node('Conv', [x, b.const(w)], pads=[...]) -> output name."""

    def __init__(self, input_shape, seed=0, name="x"):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0
        self.input_name, self.input_shape = name, tuple(input_shape)
        self.opset = OPSET

    def const(self, array, name=None):
        name = name or f"w{len(self.inits)}"
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(self, *shape, scale=None):
        fan_in = np.prod(shape[1:]) if len(shape) > 1 else 1
        return self.const((self.rng.standard_normal(shape) * (scale or 1 / np.sqrt(fan_in))).astype(np.float32))

    def node(self, op_type, inputs, **attrs):
        self.count += 1
        out = f"{op_type.lower()}{self.count}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], name=f"{op_type}_{self.count}", **attrs))
        return out

    def model(self, outputs, opset=None):
        opset = opset or self.opset
        graph = helper.make_graph(
            self.nodes, "g", [helper.make_tensor_value_info(self.input_name, TensorProto.FLOAT, self.input_shape)],
            [_untyped_output(o) for o in outputs], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_operatorsetid("", opset)])
        model.ir_version = 8        # ONNX Runtime here reads IR <= 13
        return model

    def input(self, low=-1.0, high=1.0):
        return self.rng.uniform(low, high, self.input_shape).astype(np.float32)


def run_ort(model, feeds):
    options = ort.SessionOptions()
    options.log_severity_level = 3      # onnx_chainer lists weights as inputs; ORT warns per weight
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))


def batch_norm_params(builder, channels):
    rng = builder.rng
    return [builder.const(a.astype(np.float32)) for a in (
        rng.uniform(0.5, 1.5, channels), rng.normal(0, 0.3, channels),
        rng.normal(0, 0.5, channels), rng.uniform(0.05, 3.0, channels))]


def _untyped_output(name):
    """An output with element type but no shape: ORT and irc both infer it."""
    value = onnx.ValueInfoProto()
    value.name = name
    value.type.tensor_type.elem_type = TensorProto.FLOAT
    return value
