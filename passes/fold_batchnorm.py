import numpy as np

from irc.ir import layout as L
from passes.registry import register_pass
from passes.util import absorb_consumer, replace_const, single_consumer

NAME = "fold-batchnorm"
LAYERS = ("conv2d", "conv2d_transpose", "dense")


@register_pass(NAME)
def fold_batchnorm(graph):
    """Fold a batch_norm into the convolution, deconvolution or dense layer whose result
    only it reads: per output channel, scale = gamma / sqrt(var + eps), kernel' = kernel *
    scale (along the kernel's O axis, whatever its layout), bias' = (bias - mean) * scale + beta.
    Computed in float64 and rounded to float32 once; the result is not bit-exact (one
    rounding instead of the layer's and the batch norm's), within ~1e-6 relative.

    Given:   %c : f32[1,8,8,32] @NHWC = conv2d(%x, %W, %b);  %y = batch_norm(%c, %g, %be, %m, %v) {axis=-1}
    Result:  %y : f32[1,8,8,32] @NHWC = conv2d(%x, %W', %b')
    """
    changed = False
    for node in graph.nodes():
        if node.op == "batch_norm" and _fold(graph, node):
            changed = True
    graph.erase_unused_values()
    return changed


def _fold(graph, bn):
    layer = graph.producer(bn.inputs[0])
    if layer is None or layer.op not in LAYERS or single_consumer(graph, layer.outputs[0]) is not bn:
        return False
    if layer.attrs.get("activation", "linear") != "linear" or layer.attrs.get("group", 1) != 1:
        return False
    x = graph.value(bn.inputs[0])
    axis = L.channel_axis(x.layout)
    if layer.op == "dense" and (len(x.shape) != 2 or axis != 1):
        return False
    if layer.op != "dense" and L.axes(x.layout)[axis] != "C":
        return False
    params = [graph.value(n) for n in bn.inputs[1:]]
    if any(not p.is_const or p.data.shape != (x.shape[axis],) for p in params):
        return False
    gamma, beta, mean, var = (p.data.astype(np.float64) for p in params)
    scale = gamma / np.sqrt(var + float(bn.attrs["epsilon"]))
    kernel = graph.value(layer.inputs[1])
    o_axis = L.axes(kernel.layout).index("O")
    shape = [1] * kernel.data.ndim
    shape[o_axis] = -1
    new_kernel = _scaled(kernel.data, scale.reshape(shape))
    bias = graph.value(layer.inputs[2]).data.astype(np.float64) if len(layer.inputs) > 2 else 0.0
    new_bias = ((bias - mean) * scale + beta).astype(np.float32)
    replace_const(graph, layer, 1, new_kernel, kernel.layout, NAME)
    if len(layer.inputs) > 2:
        replace_const(graph, layer, 2, new_bias, graph.value(layer.inputs[2]).layout, NAME)
    else:
        graph.set_inputs(layer, layer.inputs + [graph.const(f"{layer.outputs[0]}.bias", new_bias, "C").name])
    absorb_consumer(graph, layer, bn, NAME)
    return True


def _scaled(kernel, scale):
    """float32(kernel * scale), each product in float64 and rounded once. The ufunc casts
    through its small buffers: no float64 copy of a large kernel (it would double the
    compile's peak memory)."""
    out = np.empty(kernel.shape, np.float32)
    np.multiply(kernel, scale, out=out, casting="same_kind")
    return out
