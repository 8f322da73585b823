"""ReduceMean, ReduceMax and ReduceSum over the channels of an NCHW map (CBAM's and other
spatial attentions' channel pooling): Keras.js pools over spatial axes only, so the map is
turned to put its channels on one: (N, C, H, W) -> transpose (N, H, W, C) -> read as
(N, H*W, C, 1), global pooling over its (C, 1) -> (N, H*W, 1, 1) -> (N, 1, H, W). A sum is
the mean times C (one more rounding)."""

from irc.frontend.onnx_ops.elementwise import emit_to_fresh, scaled


def over_channels(ctx, n, keepdims):
    batch, channels, h, w = ctx.value(n.input[0]).shape
    turned = emit_to_fresh(ctx, "transpose", [n.input[0]], "channels_last", {"perm": [0, 2, 3, 1], "layout": "NCHW"})
    cells = emit_to_fresh(ctx, "reshape", [turned], "cells", {"shape": [batch, h * w, channels, 1], "layout": "NCHW"})
    pooled = emit_to_fresh(ctx, "global_max_pool" if n.op_type == "ReduceMax" else "global_avg_pool", [cells],
                           "pooled")
    if n.op_type == "ReduceSum":
        pooled = scaled(ctx, pooled, float(channels), "sum")
    shape, layout = ([batch, 1, h, w], "NCHW") if keepdims else ([batch, h, w], "NCW")
    ctx.emit("reshape", [pooled], {"shape": shape, "layout": layout})
