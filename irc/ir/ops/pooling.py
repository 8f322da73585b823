"""max_pool2d, avg_pool2d (ONNX MaxPool / AveragePool as ONNX Runtime computes them),
global_avg_pool, global_max_pool, edge_pad2d (replicate the border rows and columns) and
reflect_pad2d (mirror the rows and columns next to the border).

Pool attrs: kernel [kh, kw], strides [sh, sw], pads [top, left, bottom, right] (ONNX order),
ceil_mode 0/1, count_include_pad 0/1 (avg only); pool-padding adds padding=same|valid.
"""

import numpy as np

from irc.ir import layout as L
from irc.ir.ops.common import canonical, from_nchw_shape, nchw_shape
from irc.ir.ops.registry import op


# ---- one spatial axis, as ONNX Runtime (pool_attributes.h, pool_functors.h) does it ---------
def pool_out_size(n, k, s, pad_begin, pad_end, ceil_mode):
    span = n + pad_begin + pad_end - k
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + pad_begin:
        out -= 1                    # a last window that would start in the end padding is dropped
    return out


def pool_windows(n, k, s, pad_begin, pad_end, ceil_mode):
    """Per output: (first, stop) of the input cells it reads, and the count_include_pad
    divisor (the window clipped to the padded extent, not to the ceil_mode overhang)."""
    windows = []
    for i in range(pool_out_size(n, k, s, pad_begin, pad_end, ceil_mode)):
        start = i * s - pad_begin
        windows.append((max(start, 0), min(start + k, n), min(start + k, n + pad_end) - start))
    return windows


def _axes_windows(node, x_nchw):
    a = node.attrs
    (kh, kw), (sh, sw), (t, left, b, r) = a["kernel"], a["strides"], a["pads"]
    return (pool_windows(x_nchw.shape[2], kh, sh, t, b, a["ceil_mode"]),
            pool_windows(x_nchw.shape[3], kw, sw, left, r, a["ceil_mode"]))


def _pool_infer(node, vals):
    x = vals[0]
    n, c, h, w = nchw_shape(x)
    a = node.attrs
    (kh, kw), (sh, sw), (t, left, b, r) = a["kernel"], a["strides"], a["pads"]
    out_h = pool_out_size(h, kh, sh, t, b, a["ceil_mode"])
    out_w = pool_out_size(w, kw, sw, left, r, a["ceil_mode"])
    if out_h < 1 or out_w < 1:
        raise ValueError(f"pooling {[h, w]} with kernel {a['kernel']} and pads {a['pads']} gives no output")
    return [(from_nchw_shape((n, c, out_h, out_w), x.layout), x.layout)]


def _max_pool_eval(node, arrays, vals):
    x = canonical(arrays[0], vals[0], "NCHW")
    rows, cols = _axes_windows(node, x)
    y = np.empty(x.shape[:2] + (len(rows), len(cols)), dtype=np.float32)
    for i, (r0, r1, _) in enumerate(rows):
        for j, (c0, c1, _) in enumerate(cols):
            y[:, :, i, j] = x[:, :, r0:r1, c0:c1].max(axis=(2, 3))
    return [L.to_layout(y, "NCHW", vals[0].layout)]


def _avg_pool_eval(node, arrays, vals):
    x = canonical(arrays[0], vals[0], "NCHW").astype(np.float64)
    rows, cols = _axes_windows(node, x)
    include = node.attrs["count_include_pad"]
    y = np.empty(x.shape[:2] + (len(rows), len(cols)))
    for i, (r0, r1, rd) in enumerate(rows):
        for j, (c0, c1, cd) in enumerate(cols):
            divisor = rd * cd if include else (r1 - r0) * (c1 - c0)
            y[:, :, i, j] = x[:, :, r0:r1, c0:c1].sum(axis=(2, 3)) / divisor
    return [L.to_layout(y.astype(np.float32), "NCHW", vals[0].layout)]


op("max_pool2d", _pool_infer, _max_pool_eval, layout="channels_last")
op("avg_pool2d", _pool_infer, _avg_pool_eval, layout="channels_last")


# ---- global pooling: ONNX keeps the spatial axes, as 1x1 ------------------------------------
def _global_infer(node, vals):
    n, c, _, _ = nchw_shape(vals[0])
    return [(from_nchw_shape((n, c, 1, 1), vals[0].layout), vals[0].layout)]


def _global_eval(reduce):
    def evaluate(node, arrays, vals):
        x = canonical(arrays[0], vals[0], "NCHW").astype(np.float64)
        y = reduce(x, axis=(2, 3), keepdims=True).astype(np.float32)
        return [L.to_layout(y, "NCHW", vals[0].layout)]
    return evaluate


op("global_avg_pool", _global_infer, _global_eval(np.mean), layout="channels_last")
op("global_max_pool", _global_infer, _global_eval(np.max), layout="channels_last")


# ---- edge_pad2d, reflect_pad2d: [top, bottom, left, right] border rows / columns ----------
# edge repeats the border row; reflect mirrors the rows next to it (ONNX Pad mode=reflect,
# numpy's "reflect": the border row itself is not repeated, so an amount must stay below the size).
def _border_pad_infer(node, vals):
    x = vals[0]
    h, w = L.axes(x.layout).index("H"), L.axes(x.layout).index("W")
    t, b, left, r = node.attrs["amounts"]
    if node.op == "reflect_pad2d" and (max(t, b) >= x.shape[h] or max(left, r) >= x.shape[w]):
        raise ValueError(f"reflect pads {node.attrs['amounts']} must be smaller than the "
                         f"{[x.shape[h], x.shape[w]]} input they mirror")
    shape = list(x.shape)
    shape[h] += t + b
    shape[w] += left + r
    return [(tuple(shape), x.layout)]


def _border_pad_eval(node, arrays, vals):
    parts = L.axes(vals[0].layout)
    t, b, left, r = node.attrs["amounts"]
    widths = [(0, 0)] * arrays[0].ndim
    widths[parts.index("H")], widths[parts.index("W")] = (t, b), (left, r)
    return [np.pad(arrays[0], widths, mode=BORDER_PADS[node.op])]


BORDER_PADS = {"edge_pad2d": "edge", "reflect_pad2d": "reflect"}      # IR op: numpy's pad mode
for _name in BORDER_PADS:
    op(_name, _border_pad_infer, _border_pad_eval, layout="free")
