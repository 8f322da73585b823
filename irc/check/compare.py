"""Differences between a tensor and its ONNX Runtime reference, compared in source layout."""

from dataclasses import dataclass

import numpy as np

from irc.ir import layout as L


@dataclass
class Diff:
    abs: float
    rel: float            # abs relative to the reference's largest magnitude
    over: bool
    note: str = ""

    def text(self):
        return self.note or f"Δabs={self.abs:.1e} Δrel={self.rel:.1e}"


class Tolerance:
    def __init__(self, atol, rtol):
        self.atol, self.rtol = atol, rtol

    def compare(self, got, expected):
        got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
        if got.size != expected.size:
            return Diff(np.inf, np.inf, True, f"shape {list(got.shape)} vs reference {list(expected.shape)}")
        got = got.reshape(expected.shape)
        scale = float(np.abs(expected).max()) if expected.size else 0.0
        error = float(np.abs(got - expected).max()) if expected.size else 0.0
        if not np.isfinite(error):
            return Diff(np.inf, np.inf, True, "non-finite values")
        return Diff(error, error / scale if scale else error, error > self.bound(scale))

    def bound(self, scale):
        """The allowed max abs error for a reference whose largest magnitude is `scale`."""
        return self.atol + self.rtol * scale

    def __str__(self):
        return f"atol {self.atol:g}, rtol {self.rtol:g} (of the reference's largest magnitude)"


def ir_value_in_source_layout(array, value):
    """An array stored as IR `value` holds it (batch axis included), in the source's order."""
    return L.to_source(np.asarray(array).reshape(value.shape), value.layout)
