"""The energy figure of a report: input firing rate and energy per layer, split into MACs,
ACs and neuron updates (drawn by :mod:`snn2hw.plots.layers`; format from the extension)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from snn2hw.plots.layers import energy_breakdown
from snn2hw.report import fmt_energy_mj

from .estimate import EnergyReport


def plot_report(report: EnergyReport, path: str | Path, title: str = "") -> Path:
    """Write the figure of ``report`` to ``path`` (atomically), titled with ``title`` (the
    model), the hardware model, the kind of rates and the energy per sample."""
    heading = (f"{title + chr(10) if title else ''}{report.hw}, rates: {report.rates}, "
               f"T={report.options.T}: {fmt_energy_mj(report.energy_mj)} per sample")
    return energy_breakdown([dataclasses.asdict(layer) for layer in report.layers], path,
                            heading)
