"""Models side by side (``snn2hw compare --plot``): accuracy after each time step, firing
rate per spiking layer, SOPs and energy per weighted layer."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .accuracy import draw_step_accuracy
from .figure import pyplot, save_figure
from .layers import draw_energy, draw_rates

HATCHES = (None, "//", "..", "xx")


def _aligned(models: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[dict]]]:
    """The union of the weighted layers (first model's order) and each model's rows on it
    (zeros where a model lacks a layer)."""
    names = list(dict.fromkeys(row["name"] for m in models for row in m["layers"]))
    empty = {"sops": 0.0, "energy_mj": 0.0, "mac_energy_mj": 0.0, "ac_energy_mj": 0.0,
             "neuron_energy_mj": 0.0}
    rows = []
    for m in models:
        by_name = {row["name"]: row for row in m["layers"]}
        rows.append([by_name.get(n, {"name": n, **empty}) for n in names])
    return names, rows


def comparison(result: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Four panels for the models of a ``snn2hw compare`` result."""
    plt = pyplot()
    models = result["models"]
    names, rows = _aligned(models)
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    (acc, rates), (sops, energy) = axes
    series = {m["graph"]: m["accuracy_per_step"] for m in models if m["accuracy_per_step"]}
    if series:
        draw_step_accuracy(acc, series, models[0]["readout"])
    else:
        acc.text(0.5, 0.5, "no labels: accuracy not measured", ha="center",
                 transform=acc.transAxes)
        acc.set_xlabel("time step")
        acc.set_ylabel("accuracy (%)")
    acc.set_title("accuracy after each time step", fontsize=9)
    draw_rates(rates, {m["graph"]: m["firing_rates"] for m in models})
    rates.legend(fontsize=8)
    rates.set_title("firing rate per spiking layer", fontsize=9)
    width = 0.8 / len(models)
    x = np.arange(len(names))
    for i, (model, layer_rows) in enumerate(zip(models, rows, strict=True)):
        offset = (i - (len(models) - 1) / 2) * width
        sops.bar(x + offset, [r["sops"] for r in layer_rows], width, label=model["graph"],
                 hatch=HATCHES[i % len(HATCHES)], edgecolor="black", linewidth=0.5)
        draw_energy(energy, layer_rows, offset, width, HATCHES[i % len(HATCHES)],
                    f"{model['graph']}: ")
    from matplotlib.ticker import EngFormatter

    sops.yaxis.set_major_formatter(EngFormatter(sep=""))  # 250k, not 250000
    sops.set_ylabel("SOPs per sample (synaptic operations)")
    for ax in (sops, energy):
        ax.set_xticks(x, names, rotation=45 if len(names) > 6 else 0)
        ax.set_xlabel("weighted layer")
        ax.set_ylim(0, ax.get_ylim()[1] * 1.4)  # room for the legend above the bars
        ax.legend(fontsize=7, loc="upper left", ncols=2 if ax is energy else 1)
    sops.set_title("synaptic operations per layer", fontsize=9)
    energy.set_title(f"energy per layer ({result['hw']}): MACs, ACs, neuron updates",
                     fontsize=9)
    first = models[0]
    fig.suptitle(f"{' vs '.join(m['graph'] for m in models)} on {result['source']} "
                 f"({first['samples']} samples, T={first['T']})", fontsize=11)
    return save_figure(fig, path)
