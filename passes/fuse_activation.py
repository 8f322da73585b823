from passes.kit import Reject, rewrite_each
from passes.registry import register_pass
from passes.util import absorb_consumer, shared_result

NAME = "fuse-activation"
LAYERS = ("conv2d", "conv2d_transpose", "dense")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "softmax")


@register_pass(NAME)
def fuse_activation(graph):
    """Make a relu/sigmoid/tanh (and, after a dense layer, a softmax over its features)
    that alone reads a convolution, deconvolution or dense result the layer's own
    `activation`: Keras.js's Conv2D, Conv2DTranspose and Dense apply it on their output
    (CPU: activationFunc; WebGL: the activation program). The layer's reference evaluation
    applies it to its float32 result, as the separate op did: no number changes.
    Keras.js's softmax handles 1D/2D tensors only, so it is fused into Dense only.

    Given:
        graph g(%x : f32[1,8,8,5] @NHWC) -> (%y) {
          const %W : f32[3,3,5,32] @HWIO
          const %b : f32[32] @C
          0  %c : f32[1,8,8,32] @NHWC = conv2d(%x, %W, %b) {strides=[1,1] pads=[1,1,1,1] padding=same}
          1  %y : f32[1,8,8,32] @NHWC = relu(%c)
        }
    Result:
        graph g(%x : f32[1,8,8,5] @NHWC) -> (%y) {
          const %W : f32[3,3,5,32] @HWIO
          const %b : f32[32] @C
          0  %y : f32[1,8,8,32] @NHWC = conv2d(%x, %W, %b) {strides=[1,1] pads=[1,1,1,1] padding=same activation=relu}
        }
    """
    changed = rewrite_each(graph, NAME, ACTIVATIONS, _fuse)
    graph.erase_unused_values()
    return changed


def _fuse(graph, act):
    layer = graph.producer(act.inputs[0])
    if layer is None or layer.op not in LAYERS:
        return False
    shared = shared_result(graph, layer.outputs[0])
    if shared is not None:
        return shared
    if layer.attrs.get("activation", "linear") != "linear":
        return Reject(f"it already has activation={layer.attrs['activation']}", layer.outputs[0])
    if act.op == "softmax":
        rank = len(graph.value(act.inputs[0]).shape)
        if layer.op != "dense":
            return Reject("Keras.js's softmax activation works on 1D/2D tensors: fused into dense only",
                          layer.outputs[0])
        if list(act.attrs["axes"]) != [rank - 1]:
            return Reject(f"the softmax is over axes {list(act.attrs['axes'])}, not the features",
                          layer.outputs[0])
    layer.attrs["activation"] = act.op
    absorb_consumer(graph, layer, act, NAME)
    return True
