"""Accuracy pictures: accuracy at each time step per backend or model (the paper's IMP
observation: the first step's readout), and accuracy against weight bits."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .figure import pyplot, save_figure


def draw_step_accuracy(ax: Any, series: Mapping[str, Sequence[float]], readout: str) -> None:
    """One line per series (label -> accuracy at steps 1..T) on ``ax``, in percent."""
    styles = (("o", "-"), ("s", "--"), ("^", ":"), ("D", "-."))  # equal lines stay visible
    for i, (label, accuracy) in enumerate(series.items()):
        steps = np.arange(1, len(accuracy) + 1)
        marker, line = styles[i % len(styles)]
        ax.plot(steps, 100 * np.asarray(accuracy), marker=marker, linestyle=line,
                markersize=7 - i, label=f"{label} (step 1: {100 * accuracy[0]:.1f} %)")
    ax.set_xlabel(f"time step t (prediction from steps 1..t, readout '{readout}')")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 102)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")


def step_accuracy(series: Mapping[str, Sequence[float]], readout: str,
                  path: str | os.PathLike, title: str) -> Path:
    """Accuracy after each time step, one line per backend (or model)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    draw_step_accuracy(ax, series, readout)
    ax.set_title(title, fontsize=10)
    return save_figure(fig, path)


def weight_bits(rows: Sequence[Mapping[str, Any]], path: str | os.PathLike,
                title: str) -> Path:
    """Accuracy against weight bits (rows ``{"weight_bits", "accuracy"}``; the float
    reference, ``weight_bits`` None, as a dashed line)."""
    plt = pyplot()
    fixed = [r for r in rows if r["weight_bits"] is not None]
    fig, ax = plt.subplots(figsize=(5.6, 3.6))
    ax.plot([r["weight_bits"] for r in fixed], [100 * r["accuracy"] for r in fixed], "o-",
            label="fixed point")
    for r in rows:
        if r["weight_bits"] is None:
            ax.axhline(100 * r["accuracy"], linestyle="--", color="gray",
                       label=f"float reference ({100 * r['accuracy']:.1f} %)")
    ax.set_xlabel("weight bits")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 102)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title, fontsize=10)
    return save_figure(fig, path)
