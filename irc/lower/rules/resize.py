"""UpSampling2D."""

from irc.lower.registry import lowering
from irc.lower.rules.common import require


@lowering("upsample2d")
def upsample2d(ctx, node):
    require(ctx, node, ctx.value(node).layout == "NHWC", f"input is @{ctx.value(node).layout}, not NHWC")
    return ctx.add_layer(node, "UpSampling2D", {"size": list(node.attrs["scales"]), "data_format": "channels_last"},
                         label="upsample")
