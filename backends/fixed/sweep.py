"""Accuracy against weight bits: the fixed backend at each width next to the float reference.

Used by ``snn2hw run --backend fixed --sweep-bits 2..8`` (``--plot`` saves the figure).
"""

from __future__ import annotations

import dataclasses
import warnings

import nir
import numpy as np

from snn2hw.backend import RunConfig
from snn2hw.errors import BadInputError
from snn2hw.ir import metadata
from snn2hw.runner import readout, run_graph

from . import events


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
    """One row per width, after one for the float reference (``weight_bits`` null): accuracy
    of the fixed backend quantising the float ``graph`` with ``weight_bits`` = width and the
    other options of ``config.extra``."""
    rows = [{"backend": "reference", "weight_bits": None,
             "accuracy": accuracy(graph, "reference", inputs, labels, config)}]
    for width in bits:
        extra = {**config.extra, "mode": "generic", "weight_bits": width}
        fixed = dataclasses.replace(config, extra=extra)
        with warnings.catch_warnings():  # narrow widths zero weights by design: the table tells
            warnings.filterwarnings("ignore", message=events.WARNING_PREFIX)
            rows.append({"backend": "fixed", "weight_bits": width,
                         "accuracy": accuracy(graph, "fixed", inputs, labels, fixed)})
    return rows


def run_sweep(graph: nir.NIRGraph, inputs: np.ndarray, labels: np.ndarray | None, spec: str,
              config: RunConfig, plot: str | None = None, as_json: bool = False) -> list[dict]:
    """The ``--sweep-bits`` action of ``snn2hw run``: print (and plot) the sweep."""
    from snn2hw.plots.accuracy import weight_bits
    from snn2hw.plots.figure import figure_format
    from snn2hw.report import Column, fmt_percent, print_json, print_table

    if labels is None:
        raise BadInputError("--sweep-bits needs labels (--labels or --dataset)")
    if plot:
        figure_format(plot)  # refuse a bad extension before the sweep
    rows = sweep_bits(graph, inputs, labels, parse_bits(spec), config)
    mode = config.extra.get("mode", "generic")
    if plot:
        name = metadata.graph_value(graph, metadata.ARCH, "graph")
        weight_bits(rows, plot, f"{name}: accuracy vs weight bits, fixed ({mode}) vs float, "
                                f"{len(labels)} samples, T={inputs.shape[0]}")
    if as_json:
        print_json(rows)
    else:
        print_table("Accuracy against weight bits (fixed vs float reference)", rows,
                    ["backend", Column("weight_bits", fmt=lambda b: "float" if b is None
                                       else str(b)), Column("accuracy", fmt=fmt_percent)])
    return rows
