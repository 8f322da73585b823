"""The pass registry. A pass is `fn(graph) -> bool` (did it change the graph), registered
under a kebab-case name; user passes register the same way (irc compile --passes FILE.py)."""

PASSES = {}


def register_pass(name):
    def register(fn):
        if name in PASSES and PASSES[name] is not fn:
            raise ValueError(f"a pass named {name} is already registered")
        fn.pass_name = name
        PASSES[name] = fn
        return fn
    return register
