"""Static costs of a NIR graph, layer by layer: parameters, dense MACs per step, neurons, and
whether each weighted layer is driven by spikes (accumulates) or by real values (MACs)."""

from __future__ import annotations

from dataclasses import dataclass

import nir
import numpy as np

from snn2hw.ir import capabilities as caps
from snn2hw.ir import metadata
from snn2hw.ir.graph import population, schedule, shape_problems

WEIGHTED = caps.SYNAPSES
SPIKING = caps.SPIKING_NEURONS
NEURONS = caps.NEURONS
# Nodes a spike passes unchanged in kind (pooling, reshapes, scaling, delays).
PASS_THROUGH = caps.POOLS + caps.types(caps.RESHAPE) + (nir.Scale,) + caps.types(caps.DELAY)


@dataclass
class LayerCost:
    """One weighted layer: per-sample, per-time-step figures."""

    name: str
    kind: str  # NIR type
    params: int
    macs: int  # dense multiply-accumulates per step
    in_elements: int
    out_elements: int
    driven_by: str  # "spikes" or "real" (the graph input or a non-spiking layer)
    neurons: int = 0  # neurons this layer drives (each updated once per step)

    @property
    def fan_out(self) -> float:
        """Mean number of synapses one input element drives (dense count)."""
        return self.macs / self.in_elements if self.in_elements else 0.0


def _shape(node: nir.NIRNode, key: str) -> tuple[int, ...]:
    """The node's declared type (used where the graph's shapes cannot be inferred)."""
    types = node.input_type if key == "input" else node.output_type
    value = types.get(key, next(iter(types.values())))
    return tuple(int(s) for s in np.atleast_1d(value))


def dense_macs(node: nir.NIRNode, out_shape: tuple[int, ...] | None = None) -> int:
    """Multiply-accumulates of one step of a weighted node (biases not counted)."""
    weight = np.asarray(node.weight)
    if isinstance(node, (nir.Affine, nir.Linear)):
        return int(weight.size)
    out = out_shape or _shape(node, "output")
    per_output = int(np.prod(weight.shape[1:]))  # (C_in / groups) * kernel
    return int(np.prod(out)) * per_output


def in_elements(node: nir.NIRNode, in_shape: tuple[int, ...] | None = None) -> int:
    """Input elements of one step of a weighted node. A grouped conv has ``groups *
    weight.shape[1]`` input channels (nir 1.0.8 infers ``weight.shape[1]`` in ``input_type``)."""
    if in_shape is not None:
        return int(np.prod(in_shape))
    shape = _shape(node, "input")
    if isinstance(node, (nir.Conv1d, nir.Conv2d)):
        shape = (int(np.asarray(node.weight).shape[1]) * int(node.groups), *shape[1:])
    return int(np.prod(shape))


def _params(node: nir.NIRNode) -> int:
    bias = getattr(node, "bias", None)
    return int(np.asarray(node.weight).size) + (0 if bias is None else int(np.asarray(bias).size))


def driven_by(graph: nir.NIRGraph, name: str, sources: dict[str, list[str]]) -> str:
    """``spikes`` when every path into ``name`` starts at a spiking neuron (through pooling,
    flatten, scale or delay), else ``real``; event inputs (``sequence``) count as spikes."""
    events = metadata.graph_value(graph, metadata.INPUT_ENCODING, "repeat") == "sequence"
    pending, seen = list(sources[name]), set()
    while pending:
        node_name = pending.pop()
        if node_name in seen:
            continue
        seen.add(node_name)
        node = graph.nodes[node_name]
        if isinstance(node, SPIKING):
            continue
        if isinstance(node, nir.Input):
            if not events:
                return "real"
            continue
        if not isinstance(node, PASS_THROUGH):
            return "real"
        pending.extend(sources[node_name])
    return "spikes"


def _driven_neurons(graph: nir.NIRGraph, name: str, successors: dict[str, list[str]],
                    claimed: set[str]) -> int:
    """Neurons fed by layer ``name`` directly or through pooling/flatten/scale/delay; each
    neuron node is charged to the first layer (in execution order) that reaches it."""
    pending, total = list(successors[name]), 0
    while pending:
        node_name = pending.pop()
        node = graph.nodes[node_name]
        if isinstance(node, NEURONS) and node_name not in claimed:
            claimed.add(node_name)
            total += population(node)
        elif isinstance(node, PASS_THROUGH):
            pending.extend(successors[node_name])
    return total


def layer_costs(graph: nir.NIRGraph) -> list[LayerCost]:
    """The weighted layers of ``graph`` in execution order (shapes inferred from the Input's,
    declared types where that is impossible)."""
    sched = schedule(graph)
    shapes = shape_problems(graph, sched)[0]
    costs: list[LayerCost] = []
    claimed: set[str] = set()
    for name in sched.order:
        node = graph.nodes[name]
        if isinstance(node, WEIGHTED):
            out_shape = shapes[name] or _shape(node, "output")
            in_shape = shapes[sched.forward_inputs[name][0]] if sched.forward_inputs[name] else None
            costs.append(LayerCost(
                name=name, kind=type(node).__name__, params=_params(node),
                macs=dense_macs(node, out_shape), in_elements=in_elements(node, in_shape),
                out_elements=int(np.prod(out_shape)),
                driven_by=driven_by(graph, name, sched.forward_inputs),
                neurons=_driven_neurons(graph, name, sched.forward_outputs, claimed),
            ))
    return costs


def imp_count(graph: nir.NIRGraph) -> int:
    """IMP parameters: the initial potentials stored as ``snn2hw.v_init`` (one per neuron)."""
    return sum(int(v.size) for v in map(metadata.v_init, graph.nodes.values()) if v is not None)
