import numpy as np

from irc.errors import IrcError
from irc.ir import layout as L
from passes.kit import rewrite_each
from passes.registry import register_pass

NAME = "batchnorm-params"


@register_pass(NAME)
def batchnorm_params(graph):
    """Give each batch_norm what a Keras BatchNormalization layer holds: the axis it
    normalises (counted from the end, as Keras does, so it survives the dropped batch
    axis) and one float32 gamma, beta, moving mean and moving variance per channel.
    Runs after to-channels-last, which moves the channel axis.

    Given:
        graph g(%x : f32[1,8,8,32] @NHWC) -> (%y) {
          const %b : f32[32] @C
          const %g : f32[32] @C
          const %m : f32[32] @C
          const %v : f32[32] @C  min=0.5 max=2
          0  %y : f32[1,8,8,32] @NHWC = batch_norm(%x, %g, %b, %m, %v) {epsilon=2e-05}
        }
    Result:
        graph g(%x : f32[1,8,8,32] @NHWC) -> (%y) {
          const %b : f32[32] @C
          const %g : f32[32] @C
          const %m : f32[32] @C
          const %v : f32[32] @C
          0  %y : f32[1,8,8,32] @NHWC = batch_norm(%x, %g, %b, %m, %v) {epsilon=2e-05 axis=-1}
        }
    """
    return rewrite_each(graph, NAME, ("batch_norm",), _set_params)


def _set_params(graph, node):
    x = graph.value(node.inputs[0])
    axis = L.channel_axis(x.layout) - len(x.shape)
    channels = x.shape[axis]
    for name in node.inputs[1:]:
        param = graph.value(name)
        if param.data.shape != (channels,):
            raise IrcError(f"node {node.name} ({node.origin}): batch-norm parameter {name} has shape "
                           f"{list(param.data.shape)}, expected [{channels}]")
        param.data = param.data.astype(np.float32, copy=False)
    if node.attrs.get("axis") == axis:
        return False
    node.attrs["axis"] = axis
    node.last_pass = NAME
    return True
