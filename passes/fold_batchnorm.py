import numpy as np

from irc.ir import layout as L
from passes.kit import Reject, rewrite_each
from passes.registry import register_pass
from passes.util import absorb_consumer, replace_const, shared_result

NAME = "fold-batchnorm"
LAYERS = ("conv2d", "conv2d_transpose", "dense")


@register_pass(NAME)
def fold_batchnorm(graph):
    """Fold a batch_norm into the convolution, deconvolution or dense layer whose result
    only it reads: per output channel, scale = gamma / sqrt(var + eps), kernel' = kernel *
    scale (along the kernel's O axis, whatever its layout; a grouped kernel's O axis is every
    output channel too), bias' = (bias - mean) * scale + beta.
    Computed in float64 and rounded to float32 once; the result is not bit-exact (one
    rounding instead of the layer's and the batch norm's), within ~1e-6 relative.

    Given:
        graph g(%x : f32[1,8,8,5] @NHWC) -> (%y) {
          const %W : f32[3,3,5,32] @HWIO
          const %b : f32[32] @C
          const %be : f32[32] @C
          const %g : f32[32] @C
          const %m : f32[32] @C
          const %v : f32[32] @C  min=0.5 max=2
          0  %c : f32[1,8,8,32] @NHWC = conv2d(%x, %W, %b) {strides=[1,1] pads=[1,1,1,1]}
          1  %y : f32[1,8,8,32] @NHWC = batch_norm(%c, %g, %be, %m, %v) {epsilon=2e-05 axis=-1}
        }
    Result:
        graph g(%x : f32[1,8,8,5] @NHWC) -> (%y) {
          const %W : f32[3,3,5,32] @HWIO
          const %b : f32[32] @C
          0  %y : f32[1,8,8,32] @NHWC = conv2d(%x, %W, %b) {strides=[1,1] pads=[1,1,1,1]}
        }
    """
    changed = rewrite_each(graph, NAME, ("batch_norm",), _fold)
    graph.erase_unused_values()
    return changed


def _fold(graph, bn):
    layer = graph.producer(bn.inputs[0])
    if layer is None or layer.op not in LAYERS:
        return False
    refused = _unfoldable(graph, layer, bn)
    if refused is not None:
        return Reject(refused.why, layer.outputs[0])
    gamma, beta, mean, var = (graph.value(n).data.astype(np.float64) for n in bn.inputs[1:])
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


def _unfoldable(graph, layer, bn):
    """Reject(why) when the batch norm cannot become part of the layer's kernel and bias."""
    shared = shared_result(graph, layer.outputs[0])
    if shared is not None:
        return shared
    if layer.attrs.get("activation", "linear") != "linear":
        return Reject(f"the layer applies activation={layer.attrs['activation']} before the batch norm")
    if layer.op == "conv2d_transpose" and layer.attrs.get("group", 1) != 1:
        # Its kernel's O axis holds the outputs of one group only (lowering refuses it anyway).
        return Reject(f"a grouped transposed convolution (group={layer.attrs['group']})")
    x = graph.value(bn.inputs[0])
    axis = L.channel_axis(x.layout)
    if layer.op == "dense" and (len(x.shape) != 2 or axis != 1):
        return Reject(f"the batch norm normalises axis {axis} of a rank-{len(x.shape)} dense result, "
                      "not its features")
    if layer.op != "dense" and L.axes(x.layout)[axis] != "C":
        return Reject(f"the batch norm normalises axis {L.axes(x.layout)[axis]} of @{x.layout}, not C")
    params = [graph.value(n) for n in bn.inputs[1:]]
    if any(not p.is_const or p.data.shape != (x.shape[axis],) for p in params):
        return Reject(f"its parameters are not {x.shape[axis]} constants, one per channel")
    return None


def _scaled(kernel, scale):
    """float32(kernel * scale), each product in float64 and rounded once. The ufunc casts
    through its small buffers: no float64 copy of a large kernel (it would double the
    compile's peak memory)."""
    out = np.empty(kernel.shape, np.float32)
    np.multiply(kernel, scale, out=out, casting="same_kind")
    return out
