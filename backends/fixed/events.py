"""Saturation, overflow and quantisation damage: counted per layer, warned about in one line.

Two kinds of events change a fixed-point result against the float model:

- run time (counted by the integer ops and neurons): Conv accumulator wrap, current wrap,
  membrane saturation or wrap; their base is the number of values the layer computed;
- quantisation time (counted by the quantisation passes, stored in each node's metadata, so
  they travel with a quantised file): non-zero weights rounded to
  zero, weights clipped at the format's limit, neuron parameters clipped or rounded to zero
  (a zero threshold fires at every step); see :mod:`snn2hw.passes.quant_events`.

:func:`warn_events` emits one :class:`~snn2hw.errors.Snn2hwWarning` when a layer's run-time
events exceed :data:`RUN_FRACTION` of its values, when more than :data:`ZEROED_FRACTION` of a
layer's weights became zero (one huge weight makes every other weight 0), or when any weight or
parameter was clipped.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import nir
import numpy as np
import torch

from snn2hw.errors import Snn2hwWarning
from snn2hw.passes.quant_events import QUANT_EVENTS

RUN_FRACTION = 0.01  # run-time events per computed value of a layer
ZEROED_FRACTION = 0.5  # non-zero weights of a layer quantised to 0
WARNING_PREFIX = "fixed point: saturation, overflow or quantisation changed the result"


def quantisation_events(graph: nir.NIRGraph) -> dict[str, dict[str, int]]:
    """The quantisation counts stored in a quantised graph, per node."""
    return {name: {k: int(v) for k, v in dict(node.metadata[QUANT_EVENTS]).items()}
            for name, node in graph.nodes.items() if QUANT_EVENTS in node.metadata}


def problems(events: Mapping[str, Mapping[str, int]], updates: Mapping[str, int],
             quantisation: Mapping[str, Mapping[str, int]]) -> list[str]:
    """One phrase per layer and kind of event above the limits of the module docstring."""
    found = []
    for name, counts in events.items():
        base = max(int(updates.get(name, 0)), 1)
        for key, count in counts.items():
            if count > RUN_FRACTION * base:
                found.append(f"{name} {key} {100 * count / base:.1f} %")
    for name, counts in quantisation.items():
        weights = max(counts.get("weights", 0), 1)
        if counts.get("weights_zeroed", 0) > ZEROED_FRACTION * weights:
            found.append(f"{name} weights rounded to 0: "
                         f"{100 * counts['weights_zeroed'] / weights:.0f} %")
        found += [f"{name} {key.replace('_', ' ')}: {count}" for key, count in counts.items()
                  if count and key not in ("weights", "weights_zeroed")]
    return found


def warn_events(events: Mapping[str, Mapping[str, int]], updates: Mapping[str, int],
                quantisation: Mapping[str, Mapping[str, int]]) -> None:
    """One warning line listing the worst layers, when any limit is exceeded."""
    found = problems(events, updates, quantisation)
    if found:
        more = f" and {len(found) - 3} more" if len(found) > 3 else ""
        warnings.warn(f"{WARNING_PREFIX}: {'; '.join(found[:3])}{more} (see the backend's report)",
                      Snn2hwWarning, stacklevel=3)


def suggested_scale(x: np.ndarray, largest: int = 1024) -> int | None:
    """The smallest integer scale up to ``largest`` that makes every value of ``x`` an integer
    (16 for digits pixels k/16), or None."""
    values = np.unique(np.asarray(x, dtype=np.float64))[:10_000]
    for scale in range(1, largest + 1):
        scaled = values * scale
        if np.all(np.abs(scaled - np.rint(scaled)) < 1e-6):
            return scale
    return None


def warn_input_rounding(x: torch.Tensor, scaled: torch.Tensor, rounded: torch.Tensor,
                        scale: float) -> None:
    """One warning when the integer input differs from ``x * scale`` (the input scale the graph
    was quantised for does not make the data integers), with the scale that would."""
    if torch.equal(scaled, rounded):
        return
    better = suggested_scale(x.cpu().numpy())
    hint = (f"quantise the float graph with --input-scale {better}" if better else
            "quantise with a larger --input-scale")
    warnings.warn(f"fixed point: the input is not integer at input scale {scale:g} and was "
                  f"rounded (accuracy may drop); {hint}", Snn2hwWarning, stacklevel=4)
