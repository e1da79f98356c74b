"""Spikes and membranes of one sample: a raster per chosen layer, traces of chosen neurons."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from snn2hw.errors import BadInputError

from .figure import pyplot, save_figure


def _layer(records: dict[str, np.ndarray], name: str) -> np.ndarray:
    if name not in records:
        raise BadInputError(f"no layer '{name}' in the records (have: {', '.join(records)})")
    return records[name]


def raster(records: dict[str, np.ndarray], layers: Sequence[str], path: str | os.PathLike,
           title: str, sample: int = 0) -> Path:
    """One panel per layer: a black cell at (time step, neuron) for every spike of ``sample``
    (records ``[T, B, ...]``, neurons flattened in C, H, W order)."""
    plt = pyplot()
    fig, axes = plt.subplots(len(layers), 1, figsize=(6.4, 1.2 + 1.6 * len(layers)),
                             sharex=True, squeeze=False)
    for ax, name in zip(axes[:, 0], layers, strict=True):
        spikes = _layer(records, name)[:, sample].reshape(records[name].shape[0], -1)
        # one black cell per spike: readable for a few steps and for thousands alike
        ax.imshow(spikes.T != 0, aspect="auto", cmap="Greys", interpolation="nearest",
                  origin="lower", vmin=0, vmax=1,
                  extent=(-0.5, spikes.shape[0] - 0.5, -0.5, spikes.shape[1] - 0.5))
        ax.set_ylabel(f"{name}\nneuron index")
        rate = spikes.mean()
        ax.set_title(f"{name}: {spikes.shape[1]:,} neurons, {rate:.3f} spikes/neuron/step",
                     fontsize=9, loc="left")
    axes[-1, 0].set_xlabel("time step")
    axes[-1, 0].xaxis.get_major_locator().set_params(integer=True)
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, path)


def membrane(records: dict[str, np.ndarray], layer: str, neurons: Sequence[int],
             threshold: float, v_init: np.ndarray | None, path: str | os.PathLike,
             title: str, sample: int = 0) -> Path:
    """Membrane potential of ``neurons`` (flat indices) of ``layer`` over time: the initial
    potential at step 0, then the potential after each step's reset; spikes as triangles at
    the threshold (dashed), v_init marked by circles."""
    plt = pyplot()
    potential = _layer(records, f"{layer}.v")[:, sample].reshape(records[f"{layer}.v"].shape[0], -1)
    spikes = _layer(records, layer)[:, sample].reshape(potential.shape[0], -1)
    start = (np.zeros(potential.shape[1]) if v_init is None
             else np.broadcast_to(np.asarray(v_init, dtype=float).reshape(-1),
                                  potential.shape[1:]))
    bad = [n for n in neurons if not 0 <= n < potential.shape[1]]
    if bad:
        raise BadInputError(f"--neuron {bad[0]}: layer '{layer}' has {potential.shape[1]} "
                            "neurons (flat index 0..N-1)")
    steps = np.arange(potential.shape[0] + 1)
    fig, ax = plt.subplots(figsize=(7.6, 3.6))
    for i, n in enumerate(neurons):
        trace = np.concatenate([[start[n]], potential[:, n]])
        (line,) = ax.plot(steps, trace, ".-", label=f"neuron {n}")
        fired = np.nonzero(spikes[:, n])[0] + 1
        nudge = 0.08 * (i - (len(neurons) - 1) / 2)  # side by side when several fire at once
        ax.plot(fired + nudge, np.full(fired.shape, threshold), "v", color=line.get_color(),
                ms=7)
        ax.plot([0], [start[n]], "o", color=line.get_color(), ms=6)
    ax.axhline(threshold, linestyle="--", color="gray", label=f"threshold v_th = {threshold:g}")
    ax.plot([], [], "o", color="gray", label="v_init (IMP)" if v_init is not None else
            "v_init = 0 (no IMP)")
    ax.plot([], [], "v", color="gray", label="spike (then reset)")
    ax.set_xlabel("time step (0: initial state; t: potential after step t, after reset)")
    ax.set_ylabel("membrane potential v (model units)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title, fontsize=10)
    return save_figure(fig, path)
