"""What every NIR node type is and which snn2hw targets run it: the one capability table.

Each NIR node type has one :class:`NodeKind` row: its category, whether it spikes or keeps state
across steps, and per *target* (a backend, or a backend mode such as ``fixed:loihi``) the
condition under which that target runs it (``""``: always). A target absent from a row refuses
the node type by name. Backends' ``check`` methods call :func:`unsupported` so that no node is
ever silently passed through as the identity; ``snn2hw backends --nodes`` prints the matrix.

Graph-level limits (cycles, fan-in) are not node capabilities: they are in ``GRAPH_LIMITS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import nir

from snn2hw.backend import Issue

# Categories
IO, SYNAPSE, POOL, RESHAPE, ELEMENTWISE, NEURON, DELAY, SUBGRAPH = (
    "io", "synapse", "pool", "reshape", "elementwise", "neuron", "delay", "subgraph")

# Targets: the registry's backends, the fixed backend per quantisation mode.
TARGETS = ("reference", "energy", "onnx", "fixed:generic", "fixed:loihi", "lava")

_ALL = {t: "" for t in TARGETS}
_FLOAT = {"reference": "", "energy": "", "onnx": ""}
_REF = {"reference": "", "energy": ""}
_GENERIC = {**_FLOAT, "fixed:generic": ""}
_LOIHI_POOL = "becomes a depthwise Conv2d (Lava has no pooling process)"
_LOIHI_NEURON = "fed by synapses; hard reset to 0; positive threshold"
# generic quantisation keeps one integer unit per tensor through weights and pools
_ONE_UNIT = "per-channel factors only right before a neuron"
_READOUT = "a readout, or before a neuron (per-neuron membrane units do not pass weights)"


@dataclass(frozen=True)
class NodeKind:
    """One NIR node type: category, dynamics and the targets that run it (with conditions)."""

    node_type: type
    category: str
    spiking: bool = False
    stateful: bool = False
    targets: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.node_type.__name__


TABLE: tuple[NodeKind, ...] = (
    NodeKind(nir.Input, IO, targets=_ALL),
    NodeKind(nir.Output, IO, targets=_ALL),
    NodeKind(nir.Affine, SYNAPSE, targets=_ALL),
    NodeKind(nir.Linear, SYNAPSE, targets=_ALL),
    NodeKind(nir.Conv1d, SYNAPSE, targets=_GENERIC),
    NodeKind(nir.Conv2d, SYNAPSE, targets={
        **_GENERIC, "fixed:loihi": "integer padding", "lava": "integer padding"}),
    NodeKind(nir.SumPool2d, POOL, targets={
        **_GENERIC, "fixed:loihi": _LOIHI_POOL, "lava": _LOIHI_POOL}),
    NodeKind(nir.AvgPool2d, POOL, targets={
        **_FLOAT, "fixed:generic": "feeding weighted nodes only (becomes a SumPool2d)",
        "fixed:loihi": _LOIHI_POOL, "lava": _LOIHI_POOL}),
    NodeKind(nir.Flatten, RESHAPE, targets=_ALL),
    NodeKind(nir.Scale, ELEMENTWISE, targets={**_FLOAT, "fixed:generic": _ONE_UNIT}),
    NodeKind(nir.Threshold, ELEMENTWISE, spiking=True, targets=_FLOAT),
    NodeKind(nir.IF, NEURON, spiking=True, stateful=True, targets={
        **_ALL, "fixed:loihi": _LOIHI_NEURON, "lava": _LOIHI_NEURON}),
    NodeKind(nir.LIF, NEURON, spiking=True, stateful=True, targets={
        **_ALL, "fixed:loihi": _LOIHI_NEURON + "; one tau per population",
        "lava": _LOIHI_NEURON + "; one tau per population"}),
    NodeKind(nir.CubaLIF, NEURON, spiking=True, stateful=True, targets=_REF),
    NodeKind(nir.I, NEURON, stateful=True, targets={**_FLOAT, "fixed:generic": _READOUT}),
    NodeKind(nir.LI, NEURON, stateful=True, targets={**_FLOAT, "fixed:generic": _READOUT}),
    NodeKind(nir.CubaLI, NEURON, stateful=True, targets=_REF),
    NodeKind(nir.Delay, DELAY, stateful=True, targets=_REF),
    NodeKind(nir.NIRGraph, SUBGRAPH, targets={}),
)

KINDS: dict[type, NodeKind] = {kind.node_type: kind for kind in TABLE}

GRAPH_LIMITS: dict[str, str] = {
    "reference": "cycles through stateful nodes run step by step (previous step's value)",
    "energy": "as the reference (it measures rates with it)",
    "onnx": "acyclic",
    "fixed:generic": "acyclic",
    "fixed:loihi": "acyclic; fan-in only into neurons, synapses and pools",
    "lava": "acyclic; fan-in only into neurons, synapses and pools",
}


def kind_of(node: object) -> NodeKind | None:
    """The table row of ``node``'s exact type (None for types not in NIR 1.0)."""
    return KINDS.get(type(node))


def types(category: str | None = None, *, spiking: bool | None = None,
          stateful: bool | None = None, target: str | None = None) -> tuple[Any, ...]:
    """Node types matching every given filter, in table order (for ``isinstance``; typed
    ``Any`` because nir ships no type information, so narrowing keeps attribute access)."""
    return tuple(
        k.node_type for k in TABLE
        if (category is None or k.category == category)
        and (spiking is None or k.spiking == spiking)
        and (stateful is None or k.stateful == stateful)
        and (target is None or target in k.targets)
    )


def is_stateful(node: object) -> bool:
    """Neurons and delays: nodes that carry state from one step to the next."""
    kind = kind_of(node)
    return kind is not None and kind.stateful


def unsupported(graph: nir.NIRGraph, target: str) -> list[Issue]:
    """One issue per node that ``target`` does not run, naming the node and its type."""
    if target not in TARGETS:
        raise ValueError(f"unknown target '{target}' (known: {', '.join(TARGETS)})")
    issues = []
    for name, node in graph.nodes.items():
        kind = kind_of(node)
        if kind is None or target not in kind.targets:
            issues.append(Issue(name, f"NIR type {type(node).__name__} is not supported "
                                      f"by the {target} backend"))
    return issues


# Categories and dynamics used across snn2hw (references to the table, not copies).
NEURONS = types(NEURON)
SPIKING_NEURONS = types(NEURON, spiking=True)
STATEFUL = types(stateful=True)
SYNAPSES = types(SYNAPSE)
POOLS = types(POOL)
