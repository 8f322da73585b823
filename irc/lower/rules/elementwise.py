"""BatchNormalization, activations, softmax, merges (Add, Subtract, Multiply, Maximum,
Minimum, Average), affine maps as BatchNormalization, expand, and the identity."""

import numpy as np

from irc.keras_semantics.activations import KERAS_HARD_SIGMOID, KERAS_SELU, keras_constants
from irc.lower.keras_graph import KerasLayer
from irc.lower.registry import lowering
from irc.lower.rules.common import require, weights

ACTIVATIONS = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softplus": "softplus",
               "softsign": "softsign", "selu": "selu", "hard_sigmoid": "hard_sigmoid"}
MERGES = {"add": "Add", "sub": "Subtract", "mul": "Multiply", "max": "Maximum", "min": "Minimum",
          "mean": "Average"}
# An affine map is a BatchNormalization whose divisor sqrt(moving_variance + epsilon) is exactly
# 1: Keras.js (BatchNormalization.js) stores variance + epsilon as float32 (0.999f + 0.001 -> 1.0f)
# and takes its square root, so (x - mean) / 1 * gamma + beta rounds like the ONNX Sub, Mul, Add.
AFFINE_EPSILON = 1e-3
AFFINE_VARIANCE = np.float32(1 - AFFINE_EPSILON)
assert np.float32(float(AFFINE_VARIANCE) + AFFINE_EPSILON) == 1.0


def chain_layer(ctx, node, class_name, config, inbound, weights=(), label=None):
    """A layer reading other layers (by name), for rules that emit several layers."""
    layer = KerasLayer(ctx.name(label or node.label or node.name), class_name, config, list(inbound),
                       list(weights), node.origin)
    ctx.layers.append(layer)
    return layer


def input_layers(ctx, node):
    return [ctx.producer[i] for i in ctx.activation_inputs(node)]


@lowering("batch_norm")
def batch_norm(ctx, node):
    require(ctx, node, "axis" in node.attrs, "batch-norm axis not set (run batchnorm-params)")
    params = weights(ctx, node, [("gamma", "C"), ("beta", "C"), ("moving_mean", "C"),
                                   ("moving_variance", "C")])
    config = {"axis": node.attrs["axis"], "epsilon": node.attrs["epsilon"], "momentum": 0.99,
              "center": True, "scale": True}
    return ctx.add_layer(node, "BatchNormalization", config, weights=params)


@lowering(*ACTIVATIONS)
def activation(ctx, node):
    if node.op == "selu":
        require(ctx, node, keras_constants(node, KERAS_SELU),
                "selu constants differ from Keras's (run decompose-activations)")
    if node.op == "hard_sigmoid":
        require(ctx, node, keras_constants(node, KERAS_HARD_SIGMOID),
                "hard_sigmoid alpha/beta differ from Keras's 0.2/0.5 (run decompose-activations)")
    return ctx.add_layer(node, "Activation", {"activation": ACTIVATIONS[node.op]}, label=node.op)


@lowering("leaky_relu")
def leaky_relu(ctx, node):
    return ctx.add_layer(node, "LeakyReLU", {"alpha": node.attrs["alpha"]}, label=node.op)


@lowering("elu")
def elu(ctx, node):
    return ctx.add_layer(node, "ELU", {"alpha": node.attrs["alpha"]}, label=node.op)


@lowering("thresholded_relu")
def thresholded_relu(ctx, node):
    return ctx.add_layer(node, "ThresholdedReLU", {"theta": node.attrs["alpha"]}, label=node.op)


@lowering("prelu")
def prelu(ctx, node):
    """Keras.js's PReLU applies alpha with cwise over the input (PReLU.js), so alpha must have
    the input's full shape: the per-channel slope is tiled over the spatial axes (and
    shared_axes left unset, which gives Keras the same weight shape)."""
    x, slope = ctx.value(node, 0), ctx.value(node, 1)
    require(ctx, node, slope.layout == x.layout, f"slope is @{slope.layout}, the input @{x.layout}")
    alpha = np.ascontiguousarray(np.broadcast_to(slope.data.astype(np.float32), x.shape)[0])
    return ctx.add_layer(node, "PReLU", {"shared_axes": None}, weights=[("alpha", alpha)], label=node.op)


@lowering("softmax")
def softmax(ctx, node):
    """Keras.js's softmax works on 1D and 2D tensors only (activations/softmax.js), over the
    last axis: move the softmax axes last (Permute), make the tensor 2D (Reshape), and undo both."""
    shape = list(ctx.value(node).shape[1:])             # Keras.js has no batch axis
    axes = sorted(a - 1 for a in node.attrs["axes"] if a != 0)
    require(ctx, node, bool(axes), "a softmax over the batch axis alone (all ones)")
    keep = [i for i in range(len(shape)) if i not in axes]
    order = keep + axes
    permuted = [shape[i] for i in order]
    inbound = input_layers(ctx, node)
    if order != sorted(order):
        inbound = [chain_layer(ctx, node, "Permute", {"dims": [i + 1 for i in order]}, inbound,
                               label="permute").name]
    flat = ([int(np.prod([shape[i] for i in keep]))] if keep else []) + [int(np.prod([shape[i] for i in axes]))]
    if flat != permuted:
        inbound = [chain_layer(ctx, node, "Reshape", {"target_shape": flat}, inbound, label="reshape").name]
    layer = chain_layer(ctx, node, "Activation", {"activation": "softmax"}, inbound, label=node.op)
    if flat != permuted:
        layer = chain_layer(ctx, node, "Reshape", {"target_shape": permuted}, [layer.name], label="reshape")
    if order != sorted(order):
        inverse = np.argsort(order)
        layer = chain_layer(ctx, node, "Permute", {"dims": [int(i) + 1 for i in inverse]}, [layer.name],
                            label="permute")
    return layer


@lowering(*MERGES)
def merge(ctx, node):
    constants = [i for i in node.inputs if ctx.graph.value(i).is_const]
    require(ctx, node, not constants, f"constant operand {constants[0] if constants else ''} left "
            "(run arith-to-affine; Keras.js merges take activations only)")
    require(ctx, node, len(node.inputs) >= 2, f"{node.op} of a single operand")
    return ctx.add_layer(node, MERGES[node.op], {}, label=node.op)


@lowering("affine")
def affine(ctx, node):
    """A BatchNormalization along the one axis the parameters vary on; parameters varying on
    several axes are flattened with the activation (Reshape to (1, size), one
    BatchNormalization entry per element, Reshape back)."""
    x = ctx.value(node)
    params = {}
    for index, name in zip((1, 2, 3), ("moving_mean", "gamma", "beta")):
        value = ctx.value(node, index)
        require(ctx, node, value.layout == x.layout, f"parameter {value.name} is @{value.layout}, "
                f"the input @{x.layout}")
        params[name] = np.broadcast_to(value.data.astype(np.float32), x.shape)
    use_scale, use_shift = bool(np.any(params["gamma"] != 1)), bool(np.any(params["beta"] != 0))
    if not (use_scale or use_shift or np.any(params["moving_mean"] != 0)):
        return None
    varying = sorted({i for v in (ctx.value(node, k) for k in (1, 2, 3))
                      for i, d in enumerate(v.shape) if d > 1 and i > 0})
    if len(varying) <= 1:
        axis = varying[0] if varying else len(x.shape) - 1
        index = tuple(slice(None) if i == axis else 0 for i in range(len(x.shape)))
        vectors = {k: np.ascontiguousarray(v[index]) for k, v in params.items()}
        return ctx.add_layer(node, "BatchNormalization", _affine_config(axis - len(x.shape), use_scale, use_shift),
                             weights=_affine_weights(vectors, use_scale, use_shift), label="affine")
    vectors = {k: np.ascontiguousarray(v.reshape(-1)) for k, v in params.items()}
    flat = chain_layer(ctx, node, "Reshape", {"target_shape": [1, int(np.prod(x.shape))]},
                       input_layers(ctx, node), label="reshape")
    bn = chain_layer(ctx, node, "BatchNormalization", _affine_config(-1, use_scale, use_shift), [flat.name],
                     weights=_affine_weights(vectors, use_scale, use_shift), label="affine")
    return chain_layer(ctx, node, "Reshape", {"target_shape": list(x.shape[1:])}, [bn.name], label="reshape")


def _affine_config(axis, scale, center):
    return {"axis": axis, "epsilon": AFFINE_EPSILON, "momentum": 0.99, "center": center, "scale": scale}


def _affine_weights(vectors, scale, center):
    variance = np.full_like(vectors["moving_mean"], AFFINE_VARIANCE)
    return ([("gamma", vectors["gamma"])] if scale else []) + ([("beta", vectors["beta"])] if center else []) + [
        ("moving_mean", vectors["moving_mean"]), ("moving_variance", variance)]


@lowering("expand")
def expand(ctx, node):
    """Broadcast by copying: flatten, RepeatVector (which tiles a 1D tensor into rows),
    Reshape to (broadcast axes..., kept axes...), Permute into place."""
    source = list(ctx.value(node).shape[1:])
    target = list(ctx.graph.value(node.outputs[0]).shape[1:])
    repeated = [i for i, (s, t) in enumerate(zip(source, target)) if s != t]
    kept = [i for i in range(len(target)) if i not in repeated]
    inbound = input_layers(ctx, node)
    size = int(np.prod(source))
    if len(source) != 1:
        inbound = [chain_layer(ctx, node, "Reshape", {"target_shape": [size]}, inbound, label="reshape").name]
    times = int(np.prod([target[i] for i in repeated]))
    layer = chain_layer(ctx, node, "RepeatVector", {"n": times}, inbound, label="repeat")
    order = repeated + kept
    grouped = [target[i] for i in order]
    if grouped != [times, size]:
        layer = chain_layer(ctx, node, "Reshape", {"target_shape": grouped}, [layer.name], label="reshape")
    if order != sorted(order):
        layer = chain_layer(ctx, node, "Permute", {"dims": [order.index(i) + 1 for i in range(len(target))]},
                            [layer.name], label="permute")
    return layer


@lowering("identity")
def identity(ctx, node):
    return None
