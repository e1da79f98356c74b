"""What ``snn2hw inspect`` shows about a NIR graph: one row per node, the graph metadata and
totals, including snn2hw's extensions (initial potential, reset mode) that other tools hide."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import nir
import numpy as np

from snn2hw.ir import metadata

_NEURONS = (nir.IF, nir.LIF, nir.CubaLIF, nir.LI, nir.I, nir.CubaLI)
_SPIKING = (nir.IF, nir.LIF, nir.CubaLIF)
_WEIGHTS = ("weight", "bias")


@dataclass
class NodeRow:
    """One node: its type, per-sample shapes, sizes and neuron extensions."""

    name: str
    type: str
    input_shape: list[int] | None
    output_shape: list[int] | None
    params: int
    neurons: int = 0
    reset: str = ""
    v_init: dict[str, float] = field(default_factory=dict)  # mean, min, max when IMP


@dataclass
class GraphSummary:
    nodes: list[NodeRow]
    edges: list[list[str]]
    metadata: dict[str, Any]
    totals: dict[str, int]


def _shape(types: dict | None) -> list[int] | None:
    if not types:
        return None
    value = next(iter(types.values()))
    return None if value is None else [int(s) for s in np.atleast_1d(value)]


def node_row(name: str, node: nir.NIRNode) -> NodeRow:
    """The summary of one node."""
    params = sum(np.size(getattr(node, f)) for f in _WEIGHTS
                 if isinstance(getattr(node, f, None), np.ndarray))
    row = NodeRow(name, type(node).__name__, _shape(node.input_type), _shape(node.output_type),
                  int(params))
    if isinstance(node, _NEURONS):
        row.neurons = int(np.prod(row.output_shape)) if row.output_shape else 0
        row.reset = metadata.reset_mode(node) if isinstance(node, _SPIKING) else ""
        v0 = metadata.v_init(node)
        if v0 is not None:
            row.params += int(v0.size)
            row.v_init = {"mean": float(v0.mean()), "min": float(v0.min()),
                          "max": float(v0.max())}
    return row


def summarize(graph: nir.NIRGraph) -> GraphSummary:
    """Rows, metadata and totals of ``graph``."""
    rows = [node_row(name, node) for name, node in graph.nodes.items()]
    meta = {key: _plain(metadata.graph_value(graph, key)) for key in graph.metadata}
    totals = {
        "nodes": len(rows), "edges": len(graph.edges), "params": sum(r.params for r in rows),
        "neurons": sum(r.neurons for r in rows),
        "neurons_with_v_init": sum(r.neurons for r in rows if r.v_init),
    }
    return GraphSummary(rows, [[s, d] for s, d in graph.edges], meta, totals)


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [v.decode() if isinstance(v, bytes) else v for v in value.tolist()]
    return value
