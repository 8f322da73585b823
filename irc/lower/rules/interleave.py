"""interleave2d as Concatenate -> Reshape -> Permute -> Reshape.

Keras.js has no depth-to-space layer. Concatenating the phases along the channels gives
[H, W, (a, b, C)]; a Reshape to [H, W, sh, sw*C] and a Permute of the first two axes give
[H, sh, W, (sw, C)], which read row-major is the woven image [sh*H, sw*W, C]. Every step
is one Keras.js WebGL2 handles too: Concatenate along the last axis only, Reshape and
Permute of rank <= 4 (index maps), each Reshape reading a fresh contiguous tensor
(Keras.js's CPU Reshape reuses its input's buffer as is)."""

from irc.lower.registry import lowering
from irc.lower.rules.common import require
from irc.lower.rules.concat import chain


@lowering("interleave2d")
def interleave2d(ctx, node):
    require(ctx, node, ctx.value(node).layout == "NHWC", f"phases are @{ctx.value(node).layout}, not NHWC")
    sh, sw = node.attrs["strides"]
    _, h, w, c = ctx.value(node).shape
    label = node.label or "interleave"
    phases = [ctx.producer[i] for i in node.inputs]
    joined = chain(ctx, node, "Concatenate", {"axis": 3}, phases, f"{label}_phases")
    split = chain(ctx, node, "Reshape", {"target_shape": [h, w, sh, sw * c]}, [joined.name], f"{label}_split")
    moved = chain(ctx, node, "Permute", {"dims": [1, 3, 2, 4]}, [split.name], f"{label}_rows")
    return chain(ctx, node, "Reshape", {"target_shape": [sh * h, sw * w, c]}, [moved.name], f"{label}_woven")
