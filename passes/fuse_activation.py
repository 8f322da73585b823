from passes.registry import register_pass
from passes.util import absorb_consumer, single_consumer

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

    Given:   %c : f32[1,8,8,32] @NHWC = conv2d(%x, %W, %b);  %y = relu(%c)
    Result:  %y : f32[1,8,8,32] @NHWC = conv2d(%x, %W, %b) {activation=relu}
    """
    changed = False
    for node in graph.nodes():
        if node.op in ACTIVATIONS and _fuse(graph, node):
            changed = True
    graph.erase_unused_values()
    return changed


def _fuse(graph, act):
    layer = graph.producer(act.inputs[0])
    if layer is None or layer.op not in LAYERS or single_consumer(graph, layer.outputs[0]) is not act:
        return False
    if layer.attrs.get("activation", "linear") != "linear":
        return False
    if act.op == "softmax":
        rank = len(graph.value(act.inputs[0]).shape)
        if layer.op != "dense" or list(act.attrs["axes"]) != [rank - 1]:
            return False
    layer.attrs["activation"] = act.op
    absorb_consumer(graph, layer, act, NAME)
    return True
