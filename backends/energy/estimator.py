"""From a NIR graph (and optionally data or a rate profile) to an :class:`EnergyReport`."""

from __future__ import annotations

import json
from pathlib import Path

import nir
import numpy as np

from snn2hw.errors import BadInputError
from snn2hw.hw.energy_models import EnergyModel
from snn2hw.ir import metadata
from snn2hw.ir.graph import neuron_count

from .estimate import EnergyOptions, EnergyReport, build_report
from .layers import imp_count, layer_costs
from .rates import measure_activity


def options_for(graph: nir.NIRGraph, T: int | None = None, **kw) -> EnergyOptions:
    """Options with T and the static-input flag taken from the graph unless given."""
    steps = T or metadata.graph_value(graph, metadata.T)
    if not steps:
        raise BadInputError("the graph stores no T: pass --T")
    static = metadata.graph_value(graph, metadata.INPUT_ENCODING, "repeat") == "repeat"
    return EnergyOptions(T=int(steps), static_input=static, **kw)


def read_rate_profile(path: str | Path) -> dict:
    """``{"layer name": rate, ...}`` or ``{"mean": rate}`` from a JSON file."""
    path = Path(path)
    try:
        profile = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path}: not a readable JSON rate profile ({exc})") from exc
    if not isinstance(profile, dict) or not all(
        isinstance(v, (int, float)) and 0 <= v for v in profile.values()
    ):
        raise BadInputError(f"{path}: expected {{layer: rate}} with non-negative numbers")
    return profile


def _report(graph: nir.NIRGraph, costs: list, rates: dict[str, float], activity: dict,
            opts: EnergyOptions, hw: EnergyModel, kind: str) -> EnergyReport:
    report = build_report(costs, rates, activity, opts, hw, neuron_count(graph), kind)
    report.imp_params = imp_count(graph)
    return report


def measured(graph: nir.NIRGraph, opts: EnergyOptions, hw: EnergyModel, inputs: np.ndarray,
             dt: float | None = None) -> tuple[EnergyReport, np.ndarray]:
    """Energy per sample with rates measured on ``inputs [T, B, ...]``, and the graph output."""
    activity, output = measure_activity(graph, inputs, dt, effective=opts.count == "effective")
    rates = {name: a.rate for name, a in activity.items()}
    return _report(graph, layer_costs(graph), rates, activity, opts, hw, "measured"), output


def estimate(graph: nir.NIRGraph, opts: EnergyOptions, hw: EnergyModel,
             inputs: np.ndarray | None = None, profile: dict | None = None,
             dt: float | None = None) -> EnergyReport:
    """Energy per sample: rates measured on ``inputs [T, B, ...]``, else from ``profile``, else
    the upper bound (every input element fires at every step)."""
    if inputs is not None:
        return measured(graph, opts, hw, inputs, dt)[0]
    costs = layer_costs(graph)
    rates, kind = {}, "upper bound (rate 1)"
    if profile is not None:
        unknown = set(profile) - {"mean"} - {c.name for c in costs}
        if unknown:
            raise BadInputError(f"rate profile names unknown layers: {', '.join(sorted(unknown))}")
        rates = {c.name: float(profile.get(c.name, profile.get("mean", 1.0))) for c in costs}
        kind = "profile"
    return _report(graph, costs, rates, {}, opts, hw, kind)
