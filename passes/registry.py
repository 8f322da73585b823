"""The pass registry. A pass is `fn(graph) -> bool` (did it change the graph), registered
under a kebab-case name; user passes register the same way (irc compile --passes FILE.py).
`after=` also puts the pass into the default pipeline, right after the named pass."""

PASSES = {}
INSERTIONS = []        # (pass name, the pass it runs after), in registration order


def register_pass(name, after=None):
    def register(fn):
        if name in PASSES and PASSES[name] is not fn:
            raise ValueError(f"a pass named {name} is already registered")
        fn.pass_name = name
        PASSES[name] = fn
        if after is not None:
            INSERTIONS.append((name, after))
        return fn
    return register
