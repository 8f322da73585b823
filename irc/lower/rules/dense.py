"""Dense."""

from irc.lower.registry import lowering
from irc.lower.rules.common import require, weights


@lowering("dense")
def dense(ctx, node):
    require(ctx, node, len(ctx.value(node).shape) == 2, "dense needs a 2D input")
    params = weights(ctx, node, [("kernel", "IO"), ("bias", "C")])
    units = params[0][1].shape[1]
    return ctx.add_layer(node, "Dense", {"units": int(units), "activation": node.attrs.get("activation", "linear"),
                                         "use_bias": len(params) == 2}, weights=params)
