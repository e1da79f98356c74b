"""Split summed inputs of different number scales into one synapse process per source.

In NIR, several edges into a node are summed. On Loihi every value has one integer scale
(spikes 1, the graph input ``input_scale``, a sum pool of spikes 1, an average pool of spikes its
area, a readout its own weight scale), and a synapse multiplies one input scale by its weights.
A SEW-ResNet stem ends with ``AvgPool2d(3, 2, 1)`` over spikes (multiples of 1/9) whose output is
summed with the spikes of the first residual blocks before ``layer1_1.conv1``, ``layer2_0.conv1``
and the downsample: one Conv process cannot weight both correctly.

The rewrite uses linearity, ``W (a + b) = W a + W b``: a weighted node (Affine, Linear, Conv2d,
or a pool) whose inputs carry different scales becomes one copy per group of inputs with a
common scale, each copy feeding every consumer of the original (Lava sums fan-in on a port; a
neuron adds the currents of all its synapses, each quantised at its own input scale). Inputs
that are spikes (neuron outputs, also through a Flatten) form one group; any other input (the
graph input, a pool, a synapse's output) is its own group. The spike group keeps the node's
name; the other copies are named ``<node>_from_<source>`` and carry no bias (the bias stays on
one copy). Copies of a node that feeds another weighted node make that node's inputs differ in
scale too, so it is split in turn (nodes are visited in topological order).

The cost, per split: one more Conv/Dense process with the same weights (the synaptic memory of
that layer counted once per copy) and nothing else: no extra step of delay, no extra neuron.
In float the two sums are equal, so this pass runs only on the way to fixed point.
"""

from __future__ import annotations

import copy

import nir
import numpy as np

from .loihi_graph import NEURONS, POOLS, SYNAPSES, topology

WEIGHTED = SYNAPSES + POOLS
SPIKES = "spikes"


def _group(nodes: dict[str, nir.NIRNode], preds: dict[str, list[str]], name: str) -> str:
    """The scale group of the values node ``name`` sends: spikes, or its own."""
    while isinstance(nodes[name], nir.Flatten) and len(preds[name]) == 1:
        name = preds[name][0]
    return SPIKES if isinstance(nodes[name], NEURONS) else name


def _without_bias(node: nir.NIRNode) -> nir.NIRNode:
    """A copy of weighted ``node`` with no bias (Affine becomes Linear)."""
    if isinstance(node, nir.Affine):
        return nir.Linear(weight=np.array(node.weight), metadata=dict(node.metadata))
    clone = copy.deepcopy(node)
    if isinstance(clone, nir.Conv2d) and clone.bias is not None:
        clone.bias = np.zeros_like(np.asarray(clone.bias, dtype=np.float64))
    return clone


def split_fanin(graph: nir.NIRGraph) -> tuple[nir.NIRGraph, dict[str, list[str]]]:
    """``graph`` with every weighted node that sums inputs of different scales split into one
    copy per scale group (module docstring), and the copies made for each split node."""
    topo = topology(graph)
    nodes = dict(graph.nodes)
    preds = {n: list(p) for n, p in topo.preds.items()}
    succs = {n: list(s) for n, s in topo.succs.items()}
    copies: dict[str, list[str]] = {}
    for name in topo.order:
        if not isinstance(graph.nodes[name], WEIGHTED):
            continue
        groups: dict[str, list[str]] = {}
        for pred in preds[name]:
            groups.setdefault(_group(nodes, preds, pred), []).append(pred)
        if len(groups) < 2:
            continue
        keep = groups.pop(SPIKES, None) or groups.pop(next(iter(groups)))
        preds[name] = keep
        copies[name] = []
        for members in groups.values():
            twin = _unique(f"{name}_from_{members[0]}", nodes)
            nodes[twin] = _without_bias(graph.nodes[name])
            preds[twin], succs[twin] = list(members), list(succs[name])
            for member in members:
                succs[member] = [twin if s == name else s for s in succs[member]]
            for succ in succs[name]:
                preds[succ] = preds[succ] + [twin]
            copies[name].append(twin)
    edges = [(src, dst) for src in nodes for dst in succs[src]]
    split = nir.NIRGraph(nodes=nodes, edges=edges, metadata=dict(graph.metadata),
                         type_check=False)
    return split, copies


def _unique(name: str, taken: dict) -> str:
    candidate, index = name, 1
    while candidate in taken:
        index += 1
        candidate = f"{name}_{index}"
    return candidate
