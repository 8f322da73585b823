"""What every IR op means: output shape and layout, and a numpy reference evaluation.

Semantics follow ONNX; the layout labels say how data is stored. The reference evaluation
moves each input into the op's canonical (ONNX) layout, computes, and moves the result
into the output's layout, so it stays correct whatever passes did to the layouts.

Each op also declares which layouts it accepts, which to-channels-last reads:
  "channels_last"  Keras.js runs it channels-last only (convolutions, pooling);
  "free"           it computes the same in any layout its inputs share (elementwise ops);
                   `remap(graph, node)`, if given, rewrites attributes that name axes;
  "source"         it needs its input in the source layout (reshape, flatten, dense).
"""

from dataclasses import dataclass
from typing import Callable

LAYOUT_KINDS = ("channels_last", "free", "source")


@dataclass
class OpSpec:
    infer: Callable            # (node, [Value]) -> [(shape, layout)]
    evaluate: Callable         # (node, [ndarray], [Value]) -> [ndarray]
    layout: str = "source"
    remap: Callable = None     # (graph, node) -> None, for "free" ops whose attributes name axes


OPS = {}


def op(name, infer, evaluate, layout="source", remap=None):
    if layout not in LAYOUT_KINDS:
        raise ValueError(f"op {name}: layout must be one of {LAYOUT_KINDS}")
    OPS[name] = OpSpec(infer, evaluate, layout, remap)

