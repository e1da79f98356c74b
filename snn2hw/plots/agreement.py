"""The agreement matrix: for each graph (rows) and backend (columns), the fraction of spike
entries and of predictions equal to the reference backend's."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .figure import pyplot, save_figure

MEASURES = (("spikes_equal", "spikes equal to the reference"),
            ("predictions_equal", "predictions equal to the reference"))


def _percent(fraction: float | None) -> float:
    return np.nan if fraction is None else 100 * fraction


def agreement_matrix(values: Mapping[str, Mapping[str, Mapping[str, float | None]]],
                     path: str | os.PathLike, title: str) -> Path:
    """Two heat maps side by side (``values[graph][backend][measure]``, fractions; None where
    a backend recorded no spikes), each cell written in percent."""
    plt = pyplot()
    graphs = list(values)
    backends = list(dict.fromkeys(b for row in values.values() for b in row))
    fig, axes = plt.subplots(1, 2, figsize=(2.2 + 1.6 * len(backends) * 2,
                                            1.6 + 0.55 * len(graphs)), squeeze=False)
    for ax, (key, label) in zip(axes[0], MEASURES, strict=True):
        grid = np.array([[_percent(values[g].get(b, {}).get(key)) for b in backends]
                         for g in graphs])
        image = ax.imshow(grid, vmin=0, vmax=100, cmap="RdYlGn", aspect="auto")
        for (i, j), value in np.ndenumerate(grid):
            ax.text(j, i, "n/a" if np.isnan(value) else f"{value:.2f} %", ha="center",
                    va="center", fontsize=8)
        ax.set_xticks(range(len(backends)), backends)
        ax.set_yticks(range(len(graphs)), graphs)
        ax.set_xlabel("backend")
        ax.set_ylabel("graph")
        ax.set_title(label, fontsize=9)
        fig.colorbar(image, ax=ax, label="agreement (%)", shrink=0.8)
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, path)
