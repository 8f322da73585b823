"""The lowering rules: IR op -> `fn(ctx, node)` adding Keras layers (irc/lower/rules/)."""

RULES = {}


def lowering(*ops):
    """Register `fn(ctx, node)` as the lowering of IR ops; it calls ctx.add_layer(...)."""
    def register(fn):
        for op in ops:
            RULES[op] = fn
        return fn
    return register
