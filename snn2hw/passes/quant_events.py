"""Quantisation damage counted per node: what a fixed-point backend reports and warns about.

Both quantisation passes store, in each node's metadata under :data:`QUANT_EVENTS`, how many of
its values were changed beyond rounding: non-zero weights stored as 0 (one huge weight makes
every other weight of its layer 0), weights clipped at the format's limit, and neuron parameters
clipped or rounded to zero (a zero threshold fires at every step). The counts travel with a
quantised file; :mod:`snn2hw.backends.fixed.events` reports and warns.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

QUANT_EVENTS = "snn2hw.quant.events"  # node metadata: {count name: int}


def weight_events(target: np.ndarray, integers: np.ndarray, step: float = 1.0,
                  original: np.ndarray | None = None) -> dict[str, int]:
    """Counts for real-valued integer targets ``target`` (of float weights ``original``, by
    default the targets) stored as ``integers`` on a grid of ``step``: ``weights`` (non-zero
    weights), ``weights_zeroed`` (those stored as 0) and ``weights_clipped`` (stored more than
    one grid step away from their target: saturated)."""
    t, q = np.asarray(target, dtype=np.float64), np.asarray(integers, dtype=np.float64)
    nonzero = np.asarray(t if original is None else original) != 0
    return {"weights": int(nonzero.sum()), "weights_zeroed": int((nonzero & (q == 0)).sum()),
            "weights_clipped": int((np.abs(t - q) > step).sum())}


def parameter_events(threshold: npt.ArrayLike, threshold_int: npt.ArrayLike,
                     clipped: dict[str, tuple[npt.ArrayLike, npt.ArrayLike]]) -> dict[str, int]:
    """``thresholds_zeroed``: positive float thresholds stored as 0; ``<name>_clipped`` for each
    ``name: (target, stored)`` pair, the values stored more than 1 away from their target."""
    counts = {"thresholds_zeroed": int(((np.asarray(threshold) > 0)
                                        & (np.asarray(threshold_int) <= 0)).sum())}
    for name, (target, stored) in clipped.items():
        diff = np.abs(np.asarray(target, dtype=np.float64) - np.asarray(stored, dtype=np.float64))
        counts[f"{name}_clipped"] = int((diff > 1).sum())
    return counts
