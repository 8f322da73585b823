"""Weight quantization: what each format stores, and what the runtime reads back.

uint8 is affine per tensor (q = round((w - min) / (max - min) * 255)), as Keras.js 1.0's
quantize_min/quantize_max and TF.js's uint8 {min, scale} both decode; float16 is a cast
that TF.js decodes. `--quantize-keep PATTERN` keeps matching tensors (by
"<layer>/<param>", regular expression) in float32.
"""

import re
from dataclasses import dataclass, field

import numpy as np

from irc.errors import IrcError

MODES = ("uint8", "float16")


@dataclass
class Quantization:
    mode: str = None                 # None: float32
    keep: str = None                 # regular expression of "<layer>/<param>" kept in float32
    errors: dict = field(default_factory=dict)   # "<layer>/<param>" -> (max abs error, max |w|)

    def __post_init__(self):
        if self.mode not in (None,) + MODES:
            raise IrcError(f"--quantize {self.mode}: expected one of {', '.join(MODES)}")
        try:
            self._keep = re.compile(self.keep) if self.keep else None
        except re.error as exc:
            raise IrcError(f"--quantize-keep {self.keep}: not a regular expression ({exc})") from None

    def applies_to(self, name):
        return self.mode is not None and not (self._keep and self._keep.search(name))

    def record(self, name, original, decoded):
        self.errors[name] = (float(np.abs(decoded.astype(np.float64) - original).max(initial=0.0)),
                             float(np.abs(original).max(initial=0.0)))


def uint8_affine(array):
    """-> (uint8 codes, min, max) as float32, decoded as min + q * (max - min) / 255."""
    low, high = np.float32(array.min()), np.float32(array.max())
    span = high - low
    codes = np.zeros(array.shape, np.uint8) if span == 0 else \
        np.round((array - low) / span * 255).astype(np.uint8)
    return codes, low, high


def uint8_decoded(codes, low, high):
    """What Keras.js 1.0 computes from the codes: a Float32Array scaled by a double step."""
    step = (float(high) - float(low)) / 255
    return ((codes.astype(np.float32) * step).astype(np.float32) + low).astype(np.float32)
