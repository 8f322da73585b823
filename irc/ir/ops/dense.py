"""dense: x @ W + b on 2D inputs; W is labelled OI or IO."""

import numpy as np

from irc.ir import layout as L
from irc.ir.ops.common import apply_activation, canonical
from irc.ir.ops.registry import op


def _dense_infer(node, vals):
    x, w = vals[0], vals[1]
    out_features = w.shape[L.axes(w.layout).index("O")]
    # `features` records an output order other than the source's (see fold-reshape-into-dense)
    return [((x.shape[0], out_features), "N" + node.attrs.get("features", "C"))]


def _dense_eval(node, arrays, vals):
    w = canonical(arrays[1], vals[1], "OI").astype(np.float64)
    y = arrays[0].astype(np.float64) @ w.T
    if len(arrays) > 2:
        y = y + arrays[2]
    return [apply_activation(node, y.astype(np.float32))]


op("dense", _dense_infer, _dense_eval)


