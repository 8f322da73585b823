"""Helpers shared by the lowering rules."""


def require(ctx, node, condition, reason):
    if not condition:
        raise ctx.refuse(node, reason)


def weights(ctx, node, names_layouts):
    """[(Keras param name, array)] for the node's constant inputs 1.., checked against layouts."""
    return [(name, ctx.weight(node, i + 1, layout)) for i, (name, layout) in enumerate(names_layouts)
            if i + 1 < len(node.inputs)]
