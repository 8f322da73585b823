"""1-D and 3-D convolution and pooling: conv_nd, max_pool_nd, avg_pool_nd, global_avg_pool_nd,
global_max_pool_nd (ONNX Conv / MaxPool / AveragePool / Global*Pool on NCW or NCDHW inputs,
any layout labels). The rank comes from the input: 3 (N, C, W) or 5 (N, C, D, H, W).

conv_nd attrs: strides, dilations (one per spatial axis), pads (ONNX order: every begin, then
every end), group (the kernel is (O, I / group, ...), as ONNX has it). Kernel @OIW / @OIDHW as imported (conv-kernel stores it @WIO / @DHWIO).
Pool attrs: kernel, strides, pads, ceil_mode, and count_include_pad (avg only), as ONNX has them.
The 2-D ops (conv2d, max_pool2d, ...) stay in conv.py and pooling.py.
"""

import itertools

import numpy as np

from irc.ir import layout as L
from irc.ir.ops.common import apply_activation, canonical
from irc.ir.ops.pooling import pool_out_size, pool_windows
from irc.ir.ops.registry import op


def source_layout(value):
    """'NCW' or 'NCDHW': the ONNX order of a rank-3 or rank-5 activation."""
    return L.SOURCE_ACTIVATION[len(value.shape)]


def kernel_source_layout(rank):
    """'OIW' or 'OIDHW': the ONNX order of a kernel for a rank-`rank` input."""
    return "OI" + L.SOURCE_ACTIVATION[rank][2:]


def _source_shape(value):
    return tuple(value.shape[i] for i in L.perm(value.layout, source_layout(value)))


def _stored(shape, source, layout):
    return tuple(shape[i] for i in L.perm(source, layout))


def _pads_per_axis(pads):
    half = len(pads) // 2
    return list(zip(pads[:half], pads[half:]))


# ---- conv_nd --------------------------------------------------------------------------------
def _conv_out(size, k, stride, pad_total, dilation):
    return (size + pad_total - dilation * (k - 1) - 1) // stride + 1


def _conv_infer(node, vals):
    x, w = vals[0], vals[1]
    source = source_layout(x)
    n, _, *space = _source_shape(x)
    o, _, *kernel = (w.shape[i] for i in L.perm(w.layout, kernel_source_layout(len(x.shape))))
    a = node.attrs
    out = [_conv_out(size, k, s, sum(p), d)
           for size, k, s, p, d in zip(space, kernel, a["strides"], _pads_per_axis(a["pads"]), a["dilations"])]
    if min(out) < 1:
        raise ValueError(f"a {kernel} kernel with dilations {a['dilations']} and pads {a['pads']} does not fit "
                         f"the input's {space}: no output")
    return [(_stored((n, o, *out), source, x.layout), x.layout)]


def _conv_eval(node, arrays, vals):
    source = source_layout(vals[0])
    x = canonical(arrays[0], vals[0], source).astype(np.float64)
    w = canonical(arrays[1], vals[1], kernel_source_layout(x.ndim)).astype(np.float64)
    a = node.attrs
    x = np.pad(x, [(0, 0), (0, 0), *_pads_per_axis(a["pads"])])
    groups, per_group = a.get("group", 1), w.shape[1]
    outputs = w.shape[0] // groups
    y = np.concatenate([_correlate(x[:, g * per_group:(g + 1) * per_group], w[g * outputs:(g + 1) * outputs],
                                   a["strides"], a["dilations"]) for g in range(groups)], axis=1)
    if len(arrays) > 2:
        y = y + arrays[2].reshape(1, -1, *[1] * (y.ndim - 2))
    return [apply_activation(node, L.to_layout(y.astype(np.float32), source, vals[0].layout))]


def _correlate(x, w, strides, dilations):
    """Every output channel of w over every input channel of x (N, C, spatial...)."""
    kernel = w.shape[2:]
    out = [(size - d * (k - 1) - 1) // s + 1 for size, k, s, d in zip(x.shape[2:], kernel, strides, dilations)]
    y = np.zeros((x.shape[0], w.shape[0], *out))
    for offsets in itertools.product(*(range(k) for k in kernel)):
        window = tuple(slice(i * d, i * d + s * m, s) for i, d, s, m in zip(offsets, dilations, strides, out))
        y += np.einsum("nc...,oc->no...", x[(slice(None), slice(None), *window)], w[(slice(None), slice(None), *offsets)])
    return y


op("conv_nd", _conv_infer, _conv_eval, layout="channels_last")


# ---- max_pool_nd, avg_pool_nd: the windows of ONNX Runtime, one axis at a time ----------------
def _pool_infer(node, vals):
    x = vals[0]
    n, c, *space = _source_shape(x)
    a = node.attrs
    out = [pool_out_size(size, k, s, begin, end, a["ceil_mode"])
           for size, k, s, (begin, end) in zip(space, a["kernel"], a["strides"], _pads_per_axis(a["pads"]))]
    if min(out) < 1:
        raise ValueError(f"pooling {space} with kernel {a['kernel']} and pads {a['pads']} gives no output")
    return [(_stored((n, c, *out), source_layout(x), x.layout), x.layout)]


def _pool_eval(reduce_window):
    def evaluate(node, arrays, vals):
        source = source_layout(vals[0])
        x = canonical(arrays[0], vals[0], source).astype(np.float64)
        a = node.attrs
        axes = [pool_windows(size, k, s, begin, end, a["ceil_mode"])
                for size, k, s, (begin, end) in zip(x.shape[2:], a["kernel"], a["strides"], _pads_per_axis(a["pads"]))]
        y = np.empty(x.shape[:2] + tuple(len(windows) for windows in axes))
        for index in itertools.product(*(range(len(windows)) for windows in axes)):
            chosen = [windows[i] for windows, i in zip(axes, index)]
            cells = x[(slice(None), slice(None), *(slice(lo, hi) for lo, hi, _ in chosen))]
            y[(slice(None), slice(None), *index)] = reduce_window(node, cells, chosen)
        return [L.to_layout(y.astype(np.float32), source, vals[0].layout)]
    return evaluate


def _window_max(node, cells, windows):
    return cells.max(axis=tuple(range(2, cells.ndim)))


def _window_mean(node, cells, windows):
    """ONNX's divisor: the cells read, or with count_include_pad the window within the pads."""
    if node.attrs.get("count_include_pad"):
        divisor = np.prod([included for _, _, included in windows])
    else:
        divisor = np.prod([hi - lo for lo, hi, _ in windows])
    return cells.sum(axis=tuple(range(2, cells.ndim))) / divisor


op("max_pool_nd", _pool_infer, _pool_eval(_window_max), layout="channels_last")
op("avg_pool_nd", _pool_infer, _pool_eval(_window_mean), layout="channels_last")


# ---- global pooling: ONNX keeps the spatial axes, as 1 ----------------------------------------
def _global_infer(node, vals):
    n, c, *space = _source_shape(vals[0])
    return [(_stored((n, c, *[1] * len(space)), source_layout(vals[0]), vals[0].layout), vals[0].layout)]


def _global_eval(reduce):
    def evaluate(node, arrays, vals):
        source = source_layout(vals[0])
        x = canonical(arrays[0], vals[0], source).astype(np.float64)
        y = reduce(x, axis=tuple(range(2, x.ndim)), keepdims=True).astype(np.float32)
        return [L.to_layout(y, source, vals[0].layout)]
    return evaluate


op("global_avg_pool_nd", _global_infer, _global_eval(np.mean), layout="channels_last")
op("global_max_pool_nd", _global_infer, _global_eval(np.max), layout="channels_last")
