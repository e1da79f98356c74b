"""Accuracy against weight bits: the fixed backend at each width next to the float reference.

Used by ``snn2hw run --backend fixed --sweep-bits 2..8`` (``--plot`` saves a PNG).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import nir
import numpy as np

from snn2hw.atomic import atomic_path
from snn2hw.backend import RunConfig
from snn2hw.errors import BadInputError
from snn2hw.ir import metadata
from snn2hw.runner import readout, run_graph


def parse_bits(spec: str) -> list[int]:
    """``"2..8"`` (inclusive range) or ``"2,4,8"`` -> sorted widths, each in 2..8."""
    try:
        if ".." in spec:
            low, high = (int(p) for p in spec.split(".."))
            bits = list(range(low, high + 1))
        else:
            bits = sorted({int(p) for p in spec.split(",")})
    except ValueError:
        raise BadInputError(f"--sweep-bits: expected LOW..HIGH or a list, got '{spec}'") from None
    if not bits or min(bits) < 2 or max(bits) > 8:
        raise BadInputError(f"--sweep-bits: widths must lie in 2..8, got '{spec}'")
    return bits


def accuracy(graph: nir.NIRGraph, backend: str, inputs: np.ndarray, labels: np.ndarray,
             config: RunConfig) -> float:
    output = run_graph(graph, backend, inputs, config).output
    mode = metadata.graph_value(graph, metadata.READOUT, "mean")
    return float((readout(output, mode).argmax(axis=1) == labels.reshape(-1)).mean())


def sweep_bits(graph: nir.NIRGraph, inputs: np.ndarray, labels: np.ndarray, bits: list[int],
               config: RunConfig) -> list[dict]:
    """One row per width (and one for float): accuracy of the fixed backend quantising the float
    ``graph`` with ``weight_bits`` = width and the other options of ``config.extra``."""
    rows = [{"bits": "float", "accuracy": accuracy(graph, "reference", inputs, labels, config)}]
    for width in bits:
        extra = {**config.extra, "weight_bits": width}
        fixed = dataclasses.replace(config, extra=extra)
        rows.append({"bits": width, "accuracy": accuracy(graph, "fixed", inputs, labels, fixed)})
    return rows


def plot_sweep(rows: list[dict], path: str | Path, title: str = "") -> None:
    """Accuracy against bits as a PNG, with the float accuracy as a dashed line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fixed = [r for r in rows if r["bits"] != "float"]
    float_acc = next(r["accuracy"] for r in rows if r["bits"] == "float")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot([r["bits"] for r in fixed], [r["accuracy"] for r in fixed], "o-", label="fixed")
    ax.axhline(float_acc, linestyle="--", color="gray", label="float reference")
    ax.set_xlabel("weight bits")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    try:
        with atomic_path(path, Path(path).suffix or ".png") as tmp:
            fig.savefig(tmp, dpi=120)
    finally:
        plt.close(fig)


def run_sweep(graph: nir.NIRGraph, inputs: np.ndarray, labels: np.ndarray | None, spec: str,
              config: RunConfig, plot: str | None = None, as_json: bool = False) -> list[dict]:
    """The ``--sweep-bits`` action of ``snn2hw run``: print (and plot) the sweep."""
    from snn2hw.report import print_json, print_table

    if labels is None:
        raise BadInputError("--sweep-bits needs labels (--labels or --dataset)")
    rows = sweep_bits(graph, inputs, labels, parse_bits(spec), config)
    if plot:
        plot_sweep(rows, plot, title=f"{len(labels)} samples")
    if as_json:
        print_json(rows)
    else:
        print_table("Accuracy against weight bits (fixed vs float reference)", rows)
    return rows
