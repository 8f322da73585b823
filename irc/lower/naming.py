"""Layer names Keras.js can look weights up by.

Keras.js finds a layer's weight with the regex `^.*<layer>/<param>` and takes the first
match, so a name that ends another name (conv / deconv) steals its weights, and regex
characters break the lookup. Names here are [A-Za-z0-9_] and end in `_<unique number>`:
two such names can only end one another if their numbers are equal.
"""

import re


class LayerNamer:
    def __init__(self, taken=()):
        """taken: the names of a model being rewritten (a target's legalisation): new names
        are numbered after them, and one that ends one of them or is ended by one (a name
        not made here can be anything) is skipped."""
        self.taken = list(taken)
        numbers = [int(match.group(1)) for match in map(re.compile(r"_(\d+)$").search, self.taken) if match]
        self.count = max(numbers, default=-1) + 1

    def __call__(self, base):
        clean = re.sub(r"[^A-Za-z0-9_]", "_", base).strip("_") or "layer"
        if clean[0].isdigit():
            clean = "l" + clean
        name = self._numbered(clean)
        while any(name.endswith(other) or other.endswith(name) for other in self.taken):
            name = self._numbered(clean)
        return name

    def _numbered(self, clean):
        self.count += 1
        return f"{clean}_{self.count - 1}"
