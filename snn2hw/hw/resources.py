"""Neurons, synapses and synaptic memory per layer of a NIR graph, as a neuromorphic chip holds
them: the counting half of ``snn2hw map`` (:mod:`snn2hw.hw.partition` assigns cores).

Conventions:

- A *layer* is one population of neurons and the synapse nodes (Affine, Linear, Conv2d,
  SumPool2d/AvgPool2d: pools are depthwise synapses) that feed it, through Flatten. A synapse
  node that feeds no neuron gets a population of its own output size: a *relay* (it feeds
  another synapse node: pooled spikes travel as graded spikes, which Loihi 2 has) or a
  *readout* (it feeds the graph output: non-spiking compartments read by the host).
- Synapses are counted dense: every output neuron of a convolution has ``C_in / groups x kH x
  kW`` synapses (padding included), a Linear layer ``in x out``; zero weights count. Weight
  sharing in convolutions is not modelled, so the figures are an upper bound for a chip that
  shares kernels.
- A synapse node fed by several sources (SEW-ResNet's residual sums) holds one copy of its
  weights per source: each source's spikes arrive on axons of their own.
- Synaptic memory = synapses x weight bits: the chip format's weight width for a float graph;
  for a graph quantised by ``snn2hw quantize --mode loihi``, the width its stored integers
  need (mantissa after the common power of two, which the weight exponent carries; sign bit
  only for mixed-sign nodes). Index and header bits of a real synapse encoding are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import nir
import numpy as np

from snn2hw.errors import UnsupportedError
from snn2hw.ir import capabilities, metadata
from snn2hw.ir import graph as ir_graph
from snn2hw.ir.graph import conv_geometry

LINEAR = (nir.Affine, nir.Linear)
CONV = (nir.Conv2d, nir.SumPool2d, nir.AvgPool2d)
SYNAPSE_TYPES = LINEAR + CONV
NEURON_TYPES = capabilities.NEURONS
PASS_TYPES = (nir.Flatten,)
KNOWN = SYNAPSE_TYPES + NEURON_TYPES + PASS_TYPES + (nir.Input, nir.Output)


@dataclass(frozen=True)
class Synapse:
    """One synapse node: its sources and the per-neuron, per-source figures."""

    name: str
    node: nir.NIRNode
    sources: tuple[str, ...]  # populations (or the graph input) whose spikes it receives
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    fan_in: int  # synapses into one output neuron from one source
    fan_out: int  # most synapses one input element drives
    cover: tuple[int, int]  # conv: most outputs one input position feeds, per axis (y, x)
    weight_bits: int

    @property
    def is_conv(self) -> bool:
        return isinstance(self.node, CONV)

    def geometry(self) -> dict:
        """Kernel, stride, padding, dilation as (y, x) pairs, channels and groups (conv)."""
        geo = conv_geometry(self.node)
        c_in, c_out = self.in_shape[0], self.out_shape[0]
        groups = int(self.node.groups) if isinstance(self.node, nir.Conv2d) else c_in
        return {**geo, "c_in": c_in, "c_out": c_out, "groups": groups}


@dataclass
class Population:
    """A layer: the neurons of one node and the synapse nodes that feed them."""

    name: str
    kind: str  # neuron type, "relay" or "readout"
    shape: tuple[int, ...]
    synapses: list[Synapse]
    consumers: list[Synapse]  # synapse nodes this population feeds

    @property
    def neurons(self) -> int:
        return int(np.prod(self.shape))

    @property
    def fan_in(self) -> int:
        """Synapses into one neuron (all sources)."""
        return sum(s.fan_in * len(s.sources) for s in self.synapses)

    @property
    def fan_out(self) -> int:
        """Most synapses one neuron drives (every consumer)."""
        return sum(s.fan_out for s in self.consumers)

    @property
    def bits_per_neuron(self) -> int:
        """Synaptic memory of one neuron's incoming synapses."""
        return sum(s.fan_in * len(s.sources) * s.weight_bits for s in self.synapses)

    @property
    def synapse_count(self) -> int:
        return self.neurons * self.fan_in

    @property
    def synaptic_bits(self) -> int:
        return self.neurons * self.bits_per_neuron

    @property
    def weight_bits(self) -> int:
        return max(s.weight_bits for s in self.synapses)


def stored_weight_bits(weight: np.ndarray) -> int:
    """Bits a quantised node's integer weights need: mantissa after the common power of two,
    plus a sign bit only when signs are mixed (single-sign nodes keep the sign per node)."""
    values = np.rint(np.asarray(weight, dtype=np.float64)).astype(np.int64).ravel()
    values = values[values != 0]
    if values.size == 0:
        return 1
    shift = min(int(v & -v).bit_length() - 1 for v in np.unique(np.abs(values)))
    mant = values >> shift
    lo, hi = int(mant.min()), int(mant.max())
    if lo < 0 < hi:
        return max(hi.bit_length(), (-lo - 1).bit_length()) + 1
    return max(abs(lo), abs(hi)).bit_length()


def _max_cover(size_in: int, size_out: int, k: int, s: int, p: int, d: int) -> int:
    """Most outputs along one axis that a single input position feeds."""
    cover = np.zeros(size_in, dtype=np.int64)
    for j in range(k):
        starts = np.arange(size_out) * s - p + d * j
        valid = starts[(starts >= 0) & (starts < size_in)]
        np.add.at(cover, valid, 1)
    return int(cover.max(initial=0))


def _fans(node: nir.NIRNode, in_shape: tuple, out_shape: tuple) -> tuple[int, int, tuple]:
    """Fan-in per output neuron, most synapses one input element drives, and the per-axis
    cover (convolutions) of one source."""
    if isinstance(node, LINEAR):
        out_features, in_features = np.shape(node.weight)[-2:]
        return int(in_features), int(out_features), (1, 1)
    geo = conv_geometry(node)
    if isinstance(node, nir.Conv2d):
        per_group_in = int(np.shape(node.weight)[1])
        per_group_out = out_shape[0] // int(node.groups)
    else:  # a pool: depthwise, one input channel per output channel
        per_group_in = per_group_out = 1
    kh, kw = geo["kernel"]
    cover = [_max_cover(in_shape[1 + a], out_shape[1 + a], geo["kernel"][a], geo["stride"][a],
                        geo["padding"][a], geo["dilation"][a]) for a in range(2)]
    return per_group_in * kh * kw, per_group_out * cover[0] * cover[1], tuple(cover)


def _through(names: list[str], links: dict[str, list[str]], nodes: dict) -> list[str]:
    """``names`` with Flatten nodes replaced by what lies beyond them along ``links``."""
    out: list[str] = []
    for name in names:
        if isinstance(nodes[name], PASS_TYPES):
            out += _through(links[name], links, nodes)
        else:
            out.append(name)
    return out


def _weight_bits(node: nir.NIRNode, quantised: bool, default_bits: int) -> int:
    if not quantised or not hasattr(node, "weight"):
        return default_bits
    return stored_weight_bits(node.weight)


def populations(graph: nir.NIRGraph, default_bits: int) -> list[Population]:
    """The layers of ``graph`` in topological order (conventions: module docstring)."""
    unknown = [f"'{n}' ({type(node).__name__})" for n, node in graph.nodes.items()
               if not isinstance(node, KNOWN)]
    if unknown:
        raise UnsupportedError(f"no chip mapping for node(s) {', '.join(unknown)}")
    sched, nodes = ir_graph.schedule(graph), graph.nodes
    if sched.has_cycles:
        raise UnsupportedError("the graph has cycles: only feed-forward graphs are mapped")
    shapes = ir_graph.infer_shapes(graph, sched)
    preds, succs = ir_graph.fan_in(graph), ir_graph.fan_out(graph)
    quantised = metadata.graph_value(graph, metadata.LOIHI_PRECISION) == "fixed"
    synapses: dict[str, Synapse] = {}
    home: dict[str, str] = {}  # synapse node -> the population it feeds
    for name in sched.order:
        node = nodes[name]
        if not isinstance(node, SYNAPSE_TYPES):
            continue
        in_shape = shapes[preds[name][0]]
        fan_in, fan_out, cover = _fans(node, in_shape, shapes[name])
        synapses[name] = Synapse(name, node, tuple(_through(preds[name], preds, nodes)),
                                 in_shape, shapes[name], fan_in, fan_out, cover,
                                 _weight_bits(node, quantised, default_bits))
        targets = [t for t in _through(succs[name], succs, nodes)
                   if isinstance(nodes[t], NEURON_TYPES)]
        if len(targets) > 1:
            raise UnsupportedError(f"node '{name}' feeds several neuron nodes: "
                                   f"{', '.join(targets)}")
        home[name] = targets[0] if targets else name
    bare = [n for n in sched.order if isinstance(nodes[n], NEURON_TYPES)
            and n not in home.values()]
    if bare:
        raise UnsupportedError(f"neuron node(s) fed by no synapse node: {', '.join(bare)}")
    pops: dict[str, Population] = {}
    for name in sched.order:
        members = [synapses[s] for s in synapses if home[s] == name]
        if not members:
            continue
        node = nodes[name]
        kind = type(node).__name__ if isinstance(node, NEURON_TYPES) else (
            "readout" if any(isinstance(nodes[t], nir.Output) for t in _through(
                succs[name], succs, nodes)) else "relay")
        pops[name] = Population(name, kind, shapes[name], members, [])
    for syn in synapses.values():
        for source in syn.sources:
            if source in pops:
                pops[source].consumers.append(syn)
    return list(pops.values())
