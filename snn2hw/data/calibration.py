"""Calibrating the fixed-point input scale (integer input = input x scale) on real data."""

from __future__ import annotations

import numpy as np

MAX_SHIFT = 24  # Loihi's 24-bit states: no scale above 2**24 (the CLI's INPUT_SCALE limit)


def calibrate_input_scale(x: np.ndarray, bits: int = 8) -> tuple[float, float]:
    """The input scale for data ``x`` and the largest rounding error it leaves (in input units).

    The smallest power of two at which every value is an integer (digits' k/16 -> 16, event
    counts and spikes -> 1) is exact; data that no power of two makes integers (normalised
    images) gets the largest power of two that keeps ``max |x| * scale`` within ``bits``-bit
    signed integers."""
    x = np.asarray(x, dtype=np.float64)
    for shift in range(MAX_SHIFT + 1):
        scaled = x * 2.0**shift
        if np.array_equal(scaled, np.round(scaled)):
            return 2.0**shift, 0.0
    peak = float(np.abs(x).max())
    shift = int(np.floor(np.log2((2 ** (bits - 1) - 1) / peak)))
    scale = 2.0 ** min(MAX_SHIFT, shift)
    return scale, float(np.abs(np.round(x * scale) / scale - x).max())
