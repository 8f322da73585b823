"""Weight quantization: what each format stores, and what the runtime reads back.

uint8 is affine per tensor (q = round((w - min) / (max - min) * 255)), as Keras.js 1.0's
quantize_min/quantize_max and TF.js's uint8 {min, scale} both decode; float16 is a cast
that TF.js decodes; uint16 (TF.js only) is affine with 65535 steps. Tensors under
MIN_QUANTIZED_SIZE values stay float32, and so do those `--quantize-keep PATTERN` matches
(a regular expression over "<layer>/<param>").
"""

import re
from dataclasses import dataclass, field

import numpy as np

from irc.errors import IrcError

MODES = ("uint8", "float16", "uint16")
MIN_QUANTIZED_SIZE = 4096


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

    def applies_to(self, name, size):
        """Small tensors (biases, batch-norm statistics) stay float32: they are a rounding
        error of the file's size, and an error in a variance scales a whole channel."""
        return (self.mode is not None and size >= MIN_QUANTIZED_SIZE
                and not (self._keep and self._keep.search(name)))

    def record(self, name, original, decoded):
        self.errors[name] = (float(np.abs(decoded.astype(np.float64) - original).max(initial=0.0)),
                             float(np.abs(original).max(initial=0.0)))


# Fractions of each tail that uint8 may clip. A weight tensor's extremes are rare: a range
# that clips the farthest 0.001% costs those few weights more error but gives the millions
# of others a finer step; the range with the least total squared error is kept.
TAIL_CLIPS = (0.0, 1e-6, 1e-5, 1e-4)
SAMPLE = 1 << 20          # ranges are chosen on a fixed sample of a large tensor


def uint8_affine(array):
    """-> (uint8 codes, min, max) as float32, decoded as min + q * (max - min) / 255."""
    sample = _sample(array)
    low, high = min(_candidate_ranges(array, sample), key=lambda r: _squared_error(sample, *r))
    return _codes(array, low, high), low, high


def _candidate_ranges(array, flat):
    for clip in TAIL_CLIPS:
        low, high = np.quantile(flat, [clip, 1 - clip]) if clip else (flat.min(), flat.max())
        if clip == 0:
            low, high = array.min(), array.max()      # the exact range, not the sample's
        yield np.float32(low), np.float32(high)


def _codes(array, low, high):
    span = high - low
    if span == 0:
        return np.zeros(array.shape, np.uint8)
    return np.round((np.clip(array, low, high) - low) / span * 255).astype(np.uint8)


def _squared_error(values, low, high):
    return float(np.sum((uint8_decoded(_codes(values, low, high), low, high) - values) ** 2))


def _sample(array):
    """Every k-th weight: deterministic, and cheap next to a random choice."""
    flat = np.asarray(array, np.float32).reshape(-1)
    return flat[::max(1, flat.size // SAMPLE)]


def uint8_decoded(codes, low, high):
    """What Keras.js 1.0 computes from the codes: a Float32Array scaled by a double step."""
    step = (float(high) - float(low)) / 255
    return ((codes.astype(np.float32) * step).astype(np.float32) + low).astype(np.float32)
