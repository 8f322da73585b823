"""Seeded random weights for the onnx wheel's light_* models.

The wheel ships the light models (AlexNet, DenseNet-121, Inception v1/v2, ResNet-50,
ShuffleNet, SqueezeNet, VGG-19, ZFNet-512) with every weight a ConstantOfShape filled with
0.02, and an expected output that is a flat 0.001 softmax: matching it shows little. Here
each such weight becomes an initializer of seeded random values scaled for its role
(reweighted), the batch norms' statistics are then measured on the test input as training
would have left them (calibrated), so the activations keep a useful range through the
network and the output is a real distribution; the reference is ONNX Runtime on that model
(backend_cases.py).

Roles, by the node and input that reads the weight (through any Unsqueeze or Reshape):
  Conv / Gemm weight: He-normal, N(0, 2 / fan_in);  Conv / Gemm bias: N(0, 0.1)
  BatchNormalization scale U(0.5, 1.5), bias N(0, 0.1), mean N(0, 0.2), variance U(0.5, 2)
      (mean and variance until calibrated)
  Mul (an exported batch norm's scale) U(0.5, 1.5), Add (its shift) N(0, 0.1)
Any other ConstantOfShape keeps its fill.
"""

import numpy as np
import onnx
from onnx import numpy_helper

SEED = 0
BN_INPUTS = {1: "scale", 2: "shift", 3: "mean", 4: "variance"}
AFFINE = {"Mul": "scale", "Add": "shift"}       # an exported batch norm's scale and shift
PASS_THROUGH = ("Unsqueeze", "Reshape")         # reshape a weight on its way to its reader


def reweighted(model, seed=SEED):
    """A copy of `model` with its ConstantOfShape weights replaced by seeded initializers."""
    result = _copy(model)
    graph = result.graph
    shapes = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    readers = _readers(graph)
    rng = np.random.default_rng(seed)
    kept = []
    for node in graph.node:
        is_weight = node.op_type == "ConstantOfShape" and node.input[0] in shapes
        role = _role(node.output[0], readers) if is_weight else None
        if role is None:
            kept.append(node)
            continue
        array = _random(rng, role, tuple(int(d) for d in shapes[node.input[0]]))
        graph.initializer.append(numpy_helper.from_array(array, node.output[0]))
        # IR version 3 (these models) sees an initializer only if it is a graph input too.
        graph.input.append(onnx.helper.make_tensor_value_info(node.output[0], onnx.TensorProto.FLOAT, array.shape))
    del graph.node[:]
    graph.node.extend(kept)
    used = {name for node in kept for name in node.input}
    unused = {t.name for t in graph.initializer if t.data_type == onnx.TensorProto.INT64 and t.name not in used}
    _remove(graph.initializer, unused)            # the replaced nodes' shapes...
    _remove(graph.input, unused)                  # ...some also listed as graph inputs
    return result


def _remove(repeated, names):
    for item in [item for item in repeated if item.name in names]:
        repeated.remove(item)


def _readers(graph):
    """{tensor name: [(node, input index)]}."""
    readers = {}
    for node in graph.node:
        for index, name in enumerate(node.input):
            readers.setdefault(name, []).append((node, index))
    return readers


def _role(name, readers):
    """(kind, fan-in rule) of the weight `name`, or None when it keeps its fill."""
    uses = readers.get(name, [])
    if len(uses) != 1:
        return None
    reader, index = uses[0]
    if reader.op_type in PASS_THROUGH and index == 0:
        return _role(reader.output[0], readers)
    if reader.op_type in AFFINE:
        return AFFINE[reader.op_type], None
    if reader.op_type == "BatchNormalization" and index in BN_INPUTS:
        return BN_INPUTS[index], None
    if reader.op_type in ("Conv", "Gemm") and index == 2:
        return "shift", None
    if reader.op_type == "Conv" and index == 1:
        return "kernel", "in"
    if reader.op_type == "Gemm" and index == 1:
        trans_b = next((a.i for a in reader.attribute if a.name == "transB"), 0)
        return "kernel", "cols" if trans_b else "rows"
    return None


def _random(rng, role, shape):
    kind, fan = role
    if kind == "kernel":
        fan_in = {"in": int(np.prod(shape[1:])), "cols": shape[1], "rows": shape[0]}[fan]
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
    draw = {"scale": lambda: rng.uniform(0.5, 1.5, shape), "shift": lambda: rng.normal(0, 0.1, shape),
            "mean": lambda: rng.normal(0, 0.2, shape), "variance": lambda: rng.uniform(0.5, 2.0, shape)}
    return draw[kind]().astype(np.float32)


def calibrated(model, feeds):
    """`model` with each batch norm's mean and variance set to its input's statistics on
    `feeds`, as a trained network's running statistics are: random ones let a deep network's
    activations grow block after block (ResNet-50's logits reach 1e4, a one-hot softmax).
    A batch norm's input depends on the statistics of those before it: one at a time, in
    order, with the statistics fed as inputs to a single ONNX Runtime session."""
    tensors = {t.name: t for t in model.graph.initializer}
    norms = [n for n in model.graph.node
             if n.op_type == "BatchNormalization" and n.input[3] in tensors and n.input[4] in tensors]
    stats = {name: numpy_helper.to_array(tensors[name]) for n in norms for name in n.input[3:5]}
    probe = _copy(model)
    _remove(probe.graph.initializer, stats)
    declared = {vi.name for vi in probe.graph.input}        # Caffe2 exports list weights as inputs too
    probe.graph.input.extend(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, a.shape)
                             for name, a in stats.items() if name not in declared)
    run = onnxruntime_session(probe, [n.input[0] for n in norms])
    for norm in norms:
        x = run({**feeds, **stats}, [norm.input[0]])[0]
        axes = (0, *range(2, x.ndim))
        stats[norm.input[3]], stats[norm.input[4]] = x.mean(axes), x.var(axes)
    result = _copy(model)
    for tensor in result.graph.initializer:
        if tensor.name in stats:
            tensor.CopyFrom(numpy_helper.from_array(stats[tensor.name].astype(np.float32), tensor.name))
    return result


def onnxruntime_session(model, outputs=None):
    """run(feeds, names=None) -> ONNX Runtime's values of names (default: all of `outputs`,
    which replace the graph outputs when given)."""
    import onnxruntime as ort
    if outputs:
        model = _copy(model)
        del model.graph.output[:]
        model.graph.output.extend(onnx.ValueInfoProto(name=name) for name in outputs)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return lambda feeds, names=None: session.run(names, feeds)


def _copy(model):
    result = onnx.ModelProto()
    result.CopyFrom(model)
    return result
