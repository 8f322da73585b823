"""Hypothesis strategies for small valid ONNX graphs (opset 13) built from the ops irc's ONNX
front end handles, plus a few attribute values and ops it refuses.

A graph is a chain of 1-4 steps on one input (NCHW or NC). Each step draws an op that fits the
current tensor's shape and attributes that keep the graph valid ONNX (ONNX Runtime runs it);
whether irc supports them is for the test to find out. Binary steps combine the current
tensor with a branch computed from it, so broadcasting between computed tensors is covered.
"""

import numpy as np
import onnxruntime as ort
from hypothesis import assume, strategies as st

from tests.onnx_models import OnnxBuilder, batch_norm_params

ort.set_default_logger_severity(3)      # ORT warns about deprecated Resize modes at every load


def run_reference(model, x):
    """ONNX Runtime without graph optimisations: its Pad fusion folds a Pad into a following
    pool's pads, which it then refuses when they exceed the kernel. -> {output name: array}."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in session.get_outputs()], session.run(None, {"x": x})))


class Generated:
    """model, its input x (uniform -1..1), its output's name and the steps, described."""

    def __init__(self, model, x, output, steps):
        self.model, self.x, self.output, self.steps = model, x, output, steps

    def __repr__(self):    # what hypothesis prints for a failing example
        return f"Generated(input {list(self.x.shape)}: {' -> '.join(self.steps)})"


class Chain:
    """The graph being built: the builder, the current tensor and its shape."""

    def __init__(self, shape, seed):
        self.b = OnnxBuilder(shape, seed=seed)
        self.name, self.shape, self.steps = "x", tuple(shape), []
        self.last = False             # drawing the graph's last step

    def add(self, op_type, inputs, describe="", **attrs):
        out = self.b.node(op_type, inputs, **attrs)
        self.steps.append(f"{op_type} {describe}".strip())
        return out

    def shape_of(self, name):
        # ONNX Runtime, not onnx.shape_inference: onnx 1.23 infers rank 3 for a ConvTranspose
        # with output_shape=[H, W].
        x = np.zeros(self.b.input_shape, np.float32)
        return run_reference(self.b.model([name]), x)[name].shape

    def move_to(self, name):
        self.name, self.shape = name, self.shape_of(name)


def ints(lo, hi):
    return st.integers(lo, hi)


# ---- steps on NCHW tensors -----------------------------------------------------------------
def conv(draw, c):
    _, ch, h, w = c.shape
    group = draw(st.sampled_from([g for g in (1, 2, 3, ch) if ch % g == 0]))
    out = group * draw(ints(1, 3))
    k = [draw(ints(1, 4)), draw(ints(1, 4))]
    d = [draw(ints(1, 2)), draw(ints(1, 2))]
    s = [draw(ints(1, 3)), draw(ints(1, 3))]
    pads = [draw(ints(0, 2)) for _ in range(4)]
    assume(h + pads[0] + pads[2] >= d[0] * (k[0] - 1) + 1 and w + pads[1] + pads[3] >= d[1] * (k[1] - 1) + 1)
    inputs = [c.name, c.b.weight(out, ch // group, *k)] + ([c.b.weight(out, scale=0.5)] if draw(st.booleans()) else [])
    return c.add("Conv", inputs, f"out={out} k={k} s={s} d={d} pads={pads} group={group}",
                 kernel_shape=k, strides=s, dilations=d, pads=pads, group=group)


def conv_transpose(draw, c):
    _, ch, h, w = c.shape
    group = draw(st.sampled_from([g for g in (1, 2, ch) if ch % g == 0]))
    out = group * draw(ints(1, 3))
    k = [draw(ints(1, 4)), draw(ints(1, 4))]
    s = [draw(ints(1, 3)), draw(ints(1, 3))]
    d = [draw(st.sampled_from([1, 1, 2])) for _ in range(2)]
    pads = [draw(ints(0, k[i % 2] - 1)) for i in range(4)]
    # ONNX allows output_padding below the stride or the dilation; ONNX Runtime only below the stride.
    output_padding = [draw(ints(0, s[i] - 1)) for i in range(2)]
    size = [s[i] * ((h, w)[i] - 1) + output_padding[i] + (k[i] - 1) * d[i] + 1 - pads[i] - pads[i + 2]
            for i in range(2)]
    assume(min(size) >= 1)
    inputs = [c.name, c.b.weight(ch, out // group, *k)] + ([c.b.weight(out, scale=0.5)] if draw(st.booleans()) else [])
    attrs = dict(kernel_shape=k, strides=s, dilations=d, group=group)
    # onnx's shape inference (which ONNX Runtime runs on load) gets output_shape=[H, W] wrong
    # (rank 3): any node after it fails to load, so it is drawn for a graph's last step only.
    if c.last and draw(st.booleans()):
        attrs["output_shape"] = size      # ONNX derives the pads from it
        describe = f"output_shape={size}"
    else:
        attrs.update(pads=pads, output_padding=output_padding)
        describe = f"pads={pads} output_padding={output_padding}"
    return c.add("ConvTranspose", inputs, f"out={out} k={k} s={s} d={d} group={group} {describe}", **attrs)


def pool(draw, c):
    op = draw(st.sampled_from(["MaxPool", "AveragePool"]))
    k = [draw(ints(1, 3)), draw(ints(1, 3))]
    s = [draw(ints(1, 3)), draw(ints(1, 3))]
    pads = [draw(ints(0, k[i % 2] - 1)) for i in range(4)]
    assume(c.shape[2] + pads[0] + pads[2] >= k[0] and c.shape[3] + pads[1] + pads[3] >= k[1])
    attrs = dict(kernel_shape=k, strides=s, pads=pads, ceil_mode=draw(ints(0, 1)))
    if op == "AveragePool":
        attrs["count_include_pad"] = draw(ints(0, 1))
    elif draw(st.integers(0, 9)) == 0:
        attrs["dilations"] = [2, 1]       # refused: Keras.js pooling has no dilation
        assume(c.shape[2] + pads[0] + pads[2] >= 2 * k[0] - 1)
    return c.add(op, [c.name], " ".join(f"{k}={v}" for k, v in attrs.items() if k != "kernel_shape") + f" k={k}",
                 **attrs)


def global_pool(draw, c):
    op = draw(st.sampled_from(["GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax"]))
    if op.startswith("Reduce"):
        axes = draw(st.sampled_from([[2, 3], [-1, -2], [2], [1]]))   # H and W only is supported
        keepdims = draw(ints(0, 1))
        return c.add(op, [c.name], f"axes={axes} keepdims={keepdims}", axes=axes, keepdims=keepdims)
    return c.add(op, [c.name])


def batch_norm(draw, c):
    eps = draw(st.sampled_from([1e-5, 1e-3, 0.1]))
    return c.add("BatchNormalization", [c.name] + batch_norm_params(c.b, c.shape[1]), f"epsilon={eps}", epsilon=eps)


def pad(draw, c):
    mode = draw(st.sampled_from(["constant", "constant", "edge", "reflect"]))
    h, w = c.shape[2:]
    hw = [draw(ints(-1, 2)) for _ in range(4)]        # top, left, bottom, right; negative crops
    assume(h + hw[0] + hw[2] >= 1 and w + hw[1] + hw[3] >= 1)
    channel = draw(st.sampled_from([0, 0, 0, 1])) if mode == "constant" else 0   # refused
    pads = [0, 0, hw[0], hw[1], 0, channel, hw[2], hw[3]]
    value = draw(st.sampled_from([0.0, 0.0, 0.5]))    # a non-zero constant is refused
    inputs = [c.name, c.b.const(np.array(pads, np.int64))]
    if mode == "constant":
        inputs.append(c.b.const(np.array(value, np.float32)))
    else:                                 # ORT: reflect and edge need non-negative pads, reflect < size
        assume(min(pads) >= 0 and (mode == "edge" or max(hw[0], hw[2]) < h and max(hw[1], hw[3]) < w))
    return c.add("Pad", inputs, f"mode={mode} pads={pads}" + (f" value={value}" if mode == "constant" else ""),
                 mode=mode)


def resize(draw, c):
    scales = [1.0, 1.0, float(draw(ints(1, 3))), float(draw(ints(1, 3)))]
    mode = draw(st.sampled_from(["nearest", "nearest", "nearest", "linear"]))
    transform = draw(st.sampled_from(["asymmetric", "half_pixel", "align_corners", "pytorch_half_pixel",
                                      "tf_half_pixel_for_nn"]))
    rounding = draw(st.sampled_from(["floor", "round_prefer_floor", "round_prefer_ceil", "ceil"]))
    inputs = [c.name, "", c.b.const(np.array(scales, np.float32))]
    return c.add("Resize", inputs, f"scales={scales[2:]} mode={mode} {transform} {rounding}", mode=mode,
                 coordinate_transformation_mode=transform, nearest_mode=rounding)


def concat(draw, c):
    """Concat the current tensor with a branch along channels, or along H or W."""
    axis = draw(st.sampled_from([1, 1, 2, 3, -1]))
    branch = c.add("Sigmoid", [c.name]) if axis != 1 else conv_1x1(c, draw(ints(1, 3)))
    inputs = [c.name, branch] if draw(st.booleans()) else [branch, c.name]
    return c.add("Concat", inputs, f"axis={axis}", axis=axis)


def conv_1x1(c, out):
    w = c.b.weight(out, c.shape[1], 1, 1)
    return c.add("Conv", [c.name, w], f"1x1 out={out}")


# ---- steps on tensors of any rank ----------------------------------------------------------
ACTIVATIONS = [("Relu", {}), ("Sigmoid", {}), ("Tanh", {}), ("Softplus", {}), ("Softsign", {}),
               ("Selu", {}), ("LeakyRelu", {"alpha": 0.15}), ("Elu", {"alpha": 0.7}),
               ("HardSigmoid", {"alpha": 0.3, "beta": 0.4}), ("ThresholdedRelu", {"alpha": 0.2}),
               ("Abs", {}), ("Neg", {}), ("Identity", {}),
               ("LRN", {"size": 3}), ("LogSoftmax", {})]      # the last two are refused


def activation(draw, c):
    op, attrs = draw(st.sampled_from(ACTIVATIONS))
    assume(op != "LRN" or len(c.shape) == 4)
    return c.add(op, [c.name], **attrs)


def softmax(draw, c):
    axis = draw(ints(-1, len(c.shape) - 1))
    return c.add("Softmax", [c.name], f"axis={axis}", axis=axis)


def clip(draw, c):
    low, high = draw(st.sampled_from([(0.0, None), (None, None), (0.0, 6.0), (-0.5, 0.5), (None, 0.25),
                                      (-0.25, None)]))
    inputs = [c.name, "" if low is None else c.b.const(np.array(low, np.float32))]
    if high is not None:
        inputs.append(c.b.const(np.array(high, np.float32)))
    return c.add("Clip", inputs, f"min={low} max={high}")


def prelu(draw, c):
    shape = draw(st.sampled_from([(1,), (c.shape[1],) + (1,) * (len(c.shape) - 2)]))
    return c.add("PRelu", [c.name, c.b.weight(*shape, scale=0.3)], f"slope {list(shape)}")


def broadcast_shape(draw, shape):
    """A shape that broadcasts to `shape`: a suffix of it, some dims replaced by 1."""
    rank = draw(ints(0, len(shape)))
    return tuple(d if draw(st.booleans()) else 1 for d in shape[len(shape) - rank:])


def arithmetic_with_constant(draw, c):
    op = draw(st.sampled_from(["Add", "Sub", "Mul", "Max", "Div"]))
    shape = broadcast_shape(draw, c.shape)
    const = c.b.const((c.b.rng.uniform(0.5, 1.5, shape) * c.b.rng.choice([-1, 1], shape)).astype(np.float32))
    inputs = [c.name, const] if draw(st.booleans()) else [const, c.name]
    return c.add(op, inputs, f"constant {list(shape)}{' (left)' if inputs[0] == const else ''}")


def arithmetic_with_branch(draw, c):
    """op(current, branch) where the branch is computed from the current tensor and may have a
    smaller shape that broadcasts (a per-channel pooled value, a 1-channel map, a row)."""
    op = draw(st.sampled_from(["Add", "Sub", "Mul", "Max", "Min", "Mean", "Sum"]))
    kinds = ["tanh", "pooled", "one-channel", "row"] if len(c.shape) == 4 else ["tanh"]
    kind = draw(st.sampled_from(kinds))
    if kind == "tanh":
        branch = c.add("Tanh", [c.name])
    elif kind == "pooled":
        branch = c.add("GlobalAveragePool", [c.name])
    elif kind == "one-channel":
        branch = conv_1x1(c, 1)
    else:
        branch = c.add("ReduceMean", [c.name], "axes=[1, 2] keepdims=0", axes=[1, 2], keepdims=0)
    inputs = [c.name, branch] if draw(st.booleans()) else [branch, c.name]
    if op in ("Sum", "Mean", "Max") and draw(st.booleans()):
        inputs.append(c.name)
    return c.add(op, inputs, f"with {kind} branch")


# ---- shape changes and dense layers ------------------------------------------------------
def flatten(draw, c):
    axis = draw(st.sampled_from([1, 1, 2]))
    return c.add("Flatten", [c.name], f"axis={axis}", axis=axis)


def reshape(draw, c):
    size = int(np.prod(c.shape))
    splits = [t for t in ([1, -1], [1, size], [0, -1, 1], [1, 1, size], [1, -1, 1, 1]) if len(t) <= 5]
    target = draw(st.sampled_from(splits + [[2, -1]] * (size % 2 == 0)))     # [2, -1] moves the batch
    return c.add("Reshape", [c.name, c.b.const(np.array(target, np.int64))], f"to {target}")


def transpose(draw, c):
    perm = draw(st.permutations(range(len(c.shape))))
    return c.add("Transpose", [c.name], f"perm={list(perm)}", perm=list(perm))


def dense(draw, c):
    features, out = c.shape[1], draw(ints(1, 7))
    if draw(st.booleans()):
        return c.add("MatMul", [c.name, c.b.weight(features, out)], f"out={out}")
    trans_b = draw(ints(0, 1))
    w = c.b.weight(*((out, features) if trans_b else (features, out)))
    bias = draw(st.sampled_from([None, (out,), (1, out), (1,)]))
    inputs = [c.name, w] + ([] if bias is None else [c.b.weight(*bias, scale=0.5)])
    alpha, beta = draw(st.sampled_from([(1.0, 1.0), (0.5, 2.0)]))
    return c.add("Gemm", inputs, f"out={out} transB={trans_b} bias={bias} alpha={alpha} beta={beta}",
                 transB=trans_b, alpha=alpha, beta=beta)


STEPS_4D = [conv, conv, conv_transpose, conv_transpose, pool, global_pool, batch_norm, pad, resize, concat,
            activation, softmax, clip, prelu, arithmetic_with_constant, arithmetic_with_branch,
            flatten, reshape, transpose]
STEPS_2D = [dense, dense, activation, softmax, clip, prelu, batch_norm, arithmetic_with_constant,
            arithmetic_with_branch]
STEPS_OTHER = [activation, softmax, arithmetic_with_constant, transpose]


def steps_for(shape):
    return {4: STEPS_4D, 2: STEPS_2D}.get(len(shape), STEPS_OTHER)


@st.composite
def onnx_graphs(draw, max_steps=4):
    if draw(st.integers(0, 4)):
        shape = (1, draw(ints(1, 5)), draw(ints(1, 9)), draw(ints(1, 9)))
    else:
        shape = (1, draw(ints(1, 12)))
    c = Chain(shape, seed=draw(st.integers(0, 2 ** 16)))
    count = draw(ints(1, max_steps))
    for i in range(count):
        c.last = i == count - 1
        step = draw(st.sampled_from(steps_for(c.shape)))
        c.move_to(step(draw, c))
        assume(0 < np.prod(c.shape) <= 4096)
    return Generated(c.b.model([c.name]), c.b.input(), c.name, c.steps)
