"""Layer names Keras.js can look weights up by.

Keras.js finds a layer's weight with the regex `^.*<layer>/<param>` and takes the first
match, so a name that ends another name (conv / deconv) steals its weights, and regex
characters break the lookup. Names here are [A-Za-z0-9_] and end in `_<unique number>`:
two such names can only end one another if their numbers are equal.
"""

import re


class LayerNamer:
    def __init__(self):
        self.count = 0

    def __call__(self, base):
        clean = re.sub(r"[^A-Za-z0-9_]", "_", base).strip("_") or "layer"
        if clean[0].isdigit():
            clean = "l" + clean
        name = f"{clean}_{self.count}"
        self.count += 1
        return name
