"""BatchNormalization, activations, Add and the identity."""

from irc.lower.lower import lowering
from irc.lower.rules.common import require, weights

ACTIVATIONS = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh"}


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
    return ctx.add_layer(node, "Activation", {"activation": ACTIVATIONS[node.op]}, label=node.op)


@lowering("leaky_relu")
def leaky_relu(ctx, node):
    return ctx.add_layer(node, "LeakyReLU", {"alpha": node.attrs["alpha"]}, label=node.op)


@lowering("elu")
def elu(ctx, node):
    return ctx.add_layer(node, "ELU", {"alpha": node.attrs["alpha"]}, label=node.op)


@lowering("softmax")
def softmax(ctx, node):
    require(ctx, node, node.attrs["axis"] == len(ctx.value(node).shape) - 1,
             "Keras.js applies softmax over the last axis only")
    return ctx.add_layer(node, "Activation", {"activation": "softmax"}, label=node.op)


@lowering("add")
def add(ctx, node):
    return ctx.add_layer(node, "Add", {}, label="add")


@lowering("identity")
def identity(ctx, node):
    return None
