"""Per-layer pictures: the firing rate of each spiking layer, and the energy of each weighted
layer split into MACs, accumulates (ACs) and neuron updates, beside its input rate."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from snn2hw.report import energy_unit

from .figure import pyplot, save_figure

ENERGY_PARTS = (("mac_energy_mj", "MACs (real-valued input)", "#4c72b0"),
                ("ac_energy_mj", "ACs (spike-driven synaptic ops)", "#dd8452"),
                ("neuron_energy_mj", "neuron updates", "#55a868"))


def draw_rates(ax: Any, rates: Mapping[str, Mapping[str, float]]) -> None:
    """Grouped bars: for each series (label -> {layer: spikes per neuron and step})."""
    layers = list(dict.fromkeys(name for series in rates.values() for name in series))
    width = 0.8 / max(1, len(rates))
    x = np.arange(len(layers))
    for i, (label, series) in enumerate(rates.items()):
        values = [series.get(name, np.nan) for name in layers]
        bars = ax.bar(x + (i - (len(rates) - 1) / 2) * width, values, width, label=label)
        ax.bar_label(bars, fmt="%.3f", fontsize=7, padding=1)
    ax.set_xticks(x, layers, rotation=45 if len(layers) > 6 else 0, ha="right"
                  if len(layers) > 6 else "center")
    ax.set_xlabel("spiking layer")
    ax.set_ylabel("firing rate (spikes / neuron / step)")
    ax.margins(y=0.15)
    if len(rates) > 1:
        ax.legend(fontsize=8)


def firing_rates(rates: Mapping[str, Mapping[str, float]], path: str | os.PathLike,
                 title: str) -> Path:
    """Firing rate per spiking layer, one bar series per label."""
    plt = pyplot()
    layers = {name for series in rates.values() for name in series}
    fig, ax = plt.subplots(figsize=(max(5.0, 0.6 * len(layers) * len(rates) + 2), 3.6))
    draw_rates(ax, rates)
    ax.set_title(title, fontsize=10)
    return save_figure(fig, path)


def draw_energy(ax: Any, layers: Sequence[Mapping[str, Any]], offset: float = 0.0,
                width: float = 0.8, hatch: str | None = None, label: str = "") -> None:
    """Stacked bars per layer (energy summary rows): MACs, ACs and neuron updates, in the
    unit that suits the largest layer."""
    per_unit, unit = energy_unit(max((row["energy_mj"] for row in layers), default=0.0))
    x = np.arange(len(layers)) + offset
    bottom = np.zeros(len(layers))
    for key, name, color in ENERGY_PARTS:
        values = np.array([row[key] for row in layers]) / per_unit
        if not values.any():
            continue
        ax.bar(x, values, width, bottom=bottom, color=color, hatch=hatch,
               label=f"{label}{name}", edgecolor="white" if hatch is None else "black",
               linewidth=0.5)
        bottom += values
    ax.set_ylabel(f"energy per sample ({unit})")


def energy_breakdown(layers: Sequence[Mapping[str, Any]], path: str | os.PathLike,
                     title: str) -> Path:
    """Input rate per weighted layer (the real-valued stem marked as such) above its energy
    split into MACs, ACs and neuron updates (rows as in ``snn2hw energy --json``)."""
    plt = pyplot()
    names = [row["name"] for row in layers]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(6.4, 0.45 * len(names) + 2), 6.4),
                                      sharex=True)
    for i, row in enumerate(layers):
        if row["input_rate"] is None:
            top.bar(i, 1.0, 0.8, color="none", edgecolor="gray", hatch="//")
            top.text(i, 0.5, "real-valued\ninput:\nMACs", ha="center", va="center", fontsize=7)
        else:
            top.bar(i, row["input_rate"], 0.8, color="#4c72b0")
            if len(layers) <= 12:
                top.text(i, row["input_rate"], f"{row['input_rate']:.3f}", ha="center",
                         va="bottom", fontsize=7)
    top.set_ylabel("input firing rate\n(spikes / element / step)")
    top.set_ylim(0, 1.1)
    draw_energy(bottom, layers)
    bottom.set_xticks(np.arange(len(names)), names, rotation=90 if len(names) > 6 else 0)
    bottom.set_xlabel("weighted layer")
    bottom.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3,
                  frameon=False)
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, path)
