from irc.ir import layout as L
from irc.ir.ops import OPS
from passes.kit import rewrite_each
from passes.registry import register_pass
from passes.util import add_op, reinfer

NAME = "to-channels-last"


@register_pass(NAME)
def to_channels_last(graph):
    """Store every spatial tensor channels-last (Keras.js has no channels-first kernels).

    Graph inputs change layout (the manifest's perm tells the caller). Each op gets the
    layout its definition declares (irc/ir/ops): channels_last ops get NHWC inputs, free
    ops follow their inputs (and remap attributes that name axes), source ops (reshape,
    flatten, dense) get a transpose back in front, which fold-*-into-dense and
    cancel-transposes remove later.

    Given:
        graph g(%x : f32[1,5,8,6] @NCHW) -> (%y) {
          const %W : f32[8,5,3,3] @OIHW
          0  %y : f32[1,8,8,6] @NCHW = conv2d(%x, %W) {strides=[1,1] pads=[1,1,1,1]}
        }
    Result:
        graph g(%x : f32[1,8,6,5] @NHWC) -> (%y) {
          const %W : f32[8,5,3,3] @OIHW
          0  %y : f32[1,8,6,8] @NHWC = conv2d(%x, %W) {strides=[1,1] pads=[1,1,1,1]}
        }
    """
    moved = _move_inputs(graph)
    converted = {}                  # (value, layout) -> its transposed copy, shared by all readers
    fed = rewrite_each(graph, NAME, None, lambda graph, node: _convert(graph, node, converted))
    return moved | fed


def _convert(graph, node, converted):
    spec = OPS[node.op]
    activations = [i for i, n in enumerate(node.inputs) if not graph.value(n).is_const]
    if spec.layout == "channels_last":
        changed = _feed(graph, node, activations, converted, channels_last=True)
    elif spec.layout == "free":
        changed = _unify_operands(graph, node, converted)
        if spec.remap is not None:
            changed |= bool(spec.remap(graph, node))
    else:
        changed = _feed(graph, node, activations, converted, channels_last=False)
    reinfer(graph, node)
    return changed


def _move_inputs(graph):
    changed = False
    for name in graph.inputs:
        value = graph.value(name)
        target = L.channels_last(value.layout)
        if target != value.layout:
            value.shape = tuple(value.shape[i] for i in L.perm(value.layout, target))
            value.layout = target
            changed = True
    return changed


def _unify_operands(graph, node, converted):
    """Elementwise ops with several activation operands need them in one layout."""
    layouts = {graph.value(i).layout for i in node.inputs if not graph.value(i).is_const}
    if len(layouts) <= 1:
        return False
    return _feed(graph, node, range(len(node.inputs)), converted, channels_last=True)


def _feed(graph, node, indices, converted, channels_last):
    changed = False
    inputs = list(node.inputs)
    for i in indices:
        value = graph.value(inputs[i])
        source = L.SOURCE_ACTIVATION.get(len(value.shape))
        target = L.channels_last(source) if channels_last else source
        if value.is_const or value.layout == target or not L.is_spatial(source):
            continue
        inputs[i] = _transposed(graph, value, target, converted, node)
        changed = True
    if changed:
        graph.set_inputs(node, inputs)
    return changed


def _transposed(graph, value, target, converted, consumer):
    key = (value.name, target)
    if key not in converted:
        attrs = {"perm": list(L.perm(value.layout, target)), "layout": target}
        node = add_op(graph, "transpose", [value.name], attrs, f"{value.name}.{target}",
                      consumer.origin, NAME)
        converted[key] = node.outputs[0]
    return converted[key]
