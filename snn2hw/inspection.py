"""What ``snn2hw inspect`` shows about a NIR graph: the nodes in execution (topological) order
with the nodes feeding each, their shapes and parameters, the neurons with snn2hw's extensions
(initial potential, reset mode) that other tools hide, the graph metadata and totals.

Parameters are counted in four kinds, never mixed (``snn2hw energy`` reports the same):
- ``weights``: the ``weight`` arrays of Affine, Linear and Conv nodes (one per synapse);
- ``biases``: their ``bias`` arrays; ``params`` = weights + biases (what NIR tools and the
  energy estimate call a layer's parameters; BN is folded into them);
- ``neuron_params``: every parameter array of neuron nodes (r, tau, v_leak, v_threshold,
  v_reset, w_in, ...), one value per neuron and array, as NIR stores them;
- ``imp_params``: the initial potentials ``snn2hw.v_init`` (IMP), one per neuron that has one;
- ``other_params``: parameters of other nodes (Scale, Threshold, Delay).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import nir
import numpy as np

from snn2hw.errors import UnsupportedError
from snn2hw.ir import capabilities, metadata
from snn2hw.ir.graph import fan_in, schedule

_NEURONS = capabilities.NEURONS
_SPIKING = capabilities.SPIKING_NEURONS
_NEURON_FIELDS = ("tau", "tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in")
_OTHER_FIELDS = {nir.Scale: ("scale",), nir.Threshold: ("threshold",), nir.Delay: ("delay",)}


@dataclass
class ParamCounts:
    """Parameters of a node or a graph, by kind (see the module docstring)."""

    weights: int = 0
    biases: int = 0
    neuron_params: int = 0
    imp_params: int = 0
    other_params: int = 0

    @property
    def params(self) -> int:
        """Weights + biases."""
        return self.weights + self.biases

    def __add__(self, other: ParamCounts) -> ParamCounts:
        return ParamCounts(*(a + b for a, b in zip(vars(self).values(), vars(other).values(),
                                                   strict=True)))


@dataclass
class NodeRow:
    """One node: its type, the nodes feeding it, per-sample shapes, parameters, neurons."""

    index: int  # position in execution order
    name: str
    type: str
    inputs: list[str]  # sources of its incoming edges (summed when several)
    recurrent_inputs: list[str]  # sources whose edge closes a cycle (previous step's value)
    input_shape: list[int] | None
    output_shape: list[int] | None
    params: int  # weights + biases
    counts: ParamCounts
    neurons: int = 0
    reset: str = ""
    threshold: float | None = None  # mean v_threshold of a spiking node
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


def _size(node: nir.NIRNode, names: tuple[str, ...]) -> int:
    return int(sum(np.size(getattr(node, f)) for f in names
                   if getattr(node, f, None) is not None))


def node_counts(node: nir.NIRNode) -> ParamCounts:
    """The parameters of one node, by kind."""
    if isinstance(node, _NEURONS):
        v0 = metadata.v_init(node)
        return ParamCounts(neuron_params=_size(node, _NEURON_FIELDS),
                           imp_params=0 if v0 is None else int(v0.size))
    if isinstance(getattr(node, "weight", None), np.ndarray):
        return ParamCounts(weights=_size(node, ("weight",)), biases=_size(node, ("bias",)))
    return ParamCounts(other_params=_size(node, _OTHER_FIELDS.get(type(node), ())))


def parameter_counts(graph: nir.NIRGraph) -> ParamCounts:
    """The parameters of every node of ``graph``, by kind."""
    return sum((node_counts(node) for node in graph.nodes.values()), ParamCounts())


def _order_and_inputs(graph: nir.NIRGraph
                      ) -> tuple[list[str], dict[str, list[str]], dict[str, list[str]]]:
    """Topological order from the Input, forward and recurrent (previous-step) sources of each
    node; the file's order and every edge as forward for graphs no backend can schedule (no
    single Input, say), so that ``inspect`` still shows them."""
    try:
        sched = schedule(graph)
    except UnsupportedError:
        return list(graph.nodes), fan_in(graph), {}
    return sched.order, sched.forward_inputs, sched.recurrent_inputs


def node_row(index: int, name: str, node: nir.NIRNode, inputs: list[str],
             recurrent: list[str]) -> NodeRow:
    """The summary of one node."""
    counts = node_counts(node)
    row = NodeRow(index, name, type(node).__name__, inputs, recurrent, _shape(node.input_type),
                  _shape(node.output_type), counts.params, counts)
    if isinstance(node, _NEURONS):
        row.neurons = int(np.prod(row.output_shape)) if row.output_shape else 0
        if isinstance(node, _SPIKING):
            row.reset = metadata.reset_mode(node)
            row.threshold = float(np.mean(node.v_threshold))
        v0 = metadata.v_init(node)
        if v0 is not None:
            row.v_init = {"mean": float(v0.mean()), "min": float(v0.min()),
                          "max": float(v0.max())}
    return row


def summarize(graph: nir.NIRGraph) -> GraphSummary:
    """Rows in execution order, metadata and totals of ``graph``."""
    order, forward, recurrent = _order_and_inputs(graph)
    rows = [node_row(i, name, graph.nodes[name], forward.get(name, []),
                     recurrent.get(name, [])) for i, name in enumerate(order)]
    counts = sum((r.counts for r in rows), ParamCounts())
    meta = {key: _plain(metadata.graph_value(graph, key)) for key in graph.metadata}
    totals = {
        "nodes": len(rows), "edges": len(graph.edges), "params": counts.params, **vars(counts),
        "neurons": sum(r.neurons for r in rows),
        "neurons_with_v_init": sum(r.neurons for r in rows if r.v_init),
    }
    return GraphSummary(rows, [[s, d] for s, d in graph.edges], meta, totals)


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [v.decode() if isinstance(v, bytes) else v for v in value.tolist()]
    return value
