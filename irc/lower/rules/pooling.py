"""MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, and edge and
reflect padding (Cropping2D of single border rows, UpSampling2D to repeat an edge, Concatenate)."""

from irc.keras_semantics.padding import same_pads
from irc.lower.registry import lowering
from irc.lower.rules.common import require
from irc.lower.rules.concat import chain
from irc.lower.rules.shape import DATA_FORMATS

POOLS = {"max_pool2d": ("MaxPooling2D", "maxpool"), "avg_pool2d": ("AveragePooling2D", "avgpool")}
GLOBAL_POOLS = {"global_avg_pool": ("GlobalAveragePooling2D", "gap"), "global_max_pool": ("GlobalMaxPooling2D", "gmp")}


@lowering(*POOLS)
def pool2d(ctx, node):
    class_name, label = POOLS[node.op]
    a = node.attrs
    x = ctx.value(node)
    require(ctx, node, x.layout == "NHWC", f"input is @{x.layout}, not NHWC")
    require(ctx, node, a.get("padding") in ("same", "valid"), "padding mode not decided (run pool-padding)")
    require(ctx, node, a["ceil_mode"] == 0 and not a.get("count_include_pad"),
            "ceil_mode / count_include_pad left for Keras (run pool-padding)")
    (h, w), (kh, kw), (sh, sw) = x.shape[1:3], a["kernel"], a["strides"]
    if a["padding"] == "same":
        (t, b), (left, r) = same_pads(h, kh, sh), same_pads(w, kw, sw)
        keras_pads = [t, left, b, r]
    else:
        keras_pads = [0, 0, 0, 0]
    require(ctx, node, a["pads"] == keras_pads, f"pads {a['pads']} are not what Keras '{a['padding']}' pads")
    return ctx.add_layer(node, class_name, {"pool_size": [kh, kw], "strides": [sh, sw], "padding": a["padding"],
                                            "data_format": "channels_last"}, label=label)


@lowering(*GLOBAL_POOLS)
def global_pool(ctx, node):
    """Keras gives (C,); the IR keeps ONNX's 1x1 spatial axes: a Reshape to (1, 1, C) follows."""
    class_name, label = GLOBAL_POOLS[node.op]
    require(ctx, node, ctx.value(node).layout == "NHWC", f"input is @{ctx.value(node).layout}, not NHWC")
    pooled = ctx.add_layer(node, class_name, {"data_format": "channels_last"}, label=label)
    out = ctx.graph.value(node.outputs[0])
    return chain(ctx, node, "Reshape", {"target_shape": list(out.shape[1:])}, [pooled.name], "reshape")


@lowering("edge_pad2d", "reflect_pad2d")
def border_pad2d(ctx, node):
    x = ctx.value(node)
    require(ctx, node, x.layout in DATA_FORMATS, f"{node.op} of a @{x.layout} tensor")
    t, b, left, r = node.attrs["amounts"]
    source, layer = ctx.producer[node.inputs[0]], None        # no layer at all for zero amounts
    for axis, before, after in ((x.layout.index("H"), t, b), (x.layout.index("W"), left, r)):
        if before or after:
            layer = _pad_axis(ctx, node, source, x, axis, before, after)
            source = layer.name
    return layer


def _pad_axis(ctx, node, source, x, axis, before, after):
    """Layers padding layer `source` along stored `axis` (H or W of `x`): copies of its rows
    (columns), each cut out by a Cropping2D, concatenated around it. Pure data movement, exact."""
    size, is_h, data_format = x.shape[axis], x.layout[axis] == "H", DATA_FORMATS[x.layout]

    def row(index, label):
        """Layer holding row (column) `index` of `source` alone."""
        crop = [index, size - 1 - index]
        cropping = [crop, [0, 0]] if is_h else [[0, 0], crop]
        return chain(ctx, node, "Cropping2D", {"cropping": cropping, "data_format": data_format}, [source], label)

    if node.op == "edge_pad2d":
        head, tail = _edge_rows(ctx, node, row, size, before, after, is_h, data_format)
        label = "edge_pad"
    else:                                     # reflect: rows before .. 1, then size-2 .. size-1-after
        head = [row(i, "reflect").name for i in range(before, 0, -1)]
        tail = [row(size - 2 - i, "reflect").name for i in range(after)]
        label = "reflect_pad"
    return chain(ctx, node, "Concatenate", {"axis": axis}, head + [source] + tail, label)


def _edge_rows(ctx, node, row, size, before, after, is_h, data_format):
    """The border row (column), repeated `count` times by an UpSampling2D, on each side."""
    sides = []
    for count, index in ((before, 0), (after, size - 1)):
        if not count:
            sides.append([])
            continue
        edge = row(index, "edge")
        if count > 1:
            edge = chain(ctx, node, "UpSampling2D", {"size": [count, 1] if is_h else [1, count],
                                                     "data_format": data_format}, [edge.name], "edge_repeat")
        sides.append([edge.name])
    return sides
