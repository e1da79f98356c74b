"""Where each NIR node's values live in Lava: shape, element order and arrival step.

Lava's Conv uses WHC layout while NIR (torch) is CHW, and a Flatten is free in Lava (a port
reshape), so a flattened vector reaches the next Dense in WHC order. Each node output carries
``perm``: Lava's flat element ``i`` is NIR's flat element ``perm[i]``; a Dense fed by it uses
``W[:, perm]``. Every Dense/Conv delays by one step (it sends the previous step's sum), so
``delay[node]`` counts the weighted nodes on the deepest path from the input; shorter paths into a
node are padded with identity processes (``pad[(src, dst)]`` of them).
"""

from __future__ import annotations

from dataclasses import dataclass

import nir
import numpy as np

from snn2hw.errors import UnsupportedError
from snn2hw.passes.loihi_graph import NEURONS, SYNAPSES, Topology


@dataclass(frozen=True)
class Layout:
    """Lava shape and NIR order of one node's output."""

    shape: tuple[int, ...]
    perm: np.ndarray

    def to_lava(self, values: np.ndarray) -> np.ndarray:
        """Per-element NIR array (NIR shape) -> Lava shape."""
        return np.asarray(values).reshape(-1)[self.perm].reshape(self.shape)

    def to_nir(self, values: np.ndarray, nir_shape: tuple[int, ...]) -> np.ndarray:
        """``[..., *lava shape]`` -> ``[..., *nir_shape]``."""
        lead = values.shape[: values.ndim - len(self.shape)]
        flat = values.reshape(*lead, -1)
        out = np.empty_like(flat)
        out[..., self.perm] = flat
        return out.reshape(*lead, *nir_shape)


def chw_layout(shape: tuple[int, ...]) -> Layout:
    """Layout of a NIR tensor as Lava stores it: (C,H,W) -> (W,H,C); vectors unchanged."""
    index = np.arange(int(np.prod(shape)))
    if len(shape) == 3:
        return Layout(tuple(reversed(shape)), index.reshape(shape).transpose(2, 1, 0).ravel())
    return Layout(tuple(shape), index)


def layouts(graph: nir.NIRGraph, topo: Topology) -> dict[str, Layout]:
    """The Lava layout of every node's output."""
    out = {topo.input_name: chw_layout(topo.shapes[topo.input_name])}
    for name in topo.order[1:]:
        node, pred = graph.nodes[name], out[topo.preds[name][0]]
        if isinstance(node, SYNAPSES):
            out[name] = chw_layout(topo.shapes[name])
        elif isinstance(node, nir.Flatten):
            out[name] = Layout((pred.perm.size,), pred.perm)
        else:
            out[name] = pred
        if isinstance(node, nir.Conv2d) and len(pred.shape) != 3:
            raise UnsupportedError(f"node '{name}': a Conv2d input must be (C, H, W)")
        for p in topo.preds[name][1:]:
            if not np.array_equal(out[p].perm, pred.perm):
                raise UnsupportedError(f"node '{name}': its inputs have different layouts")
    return out


def delays(graph: nir.NIRGraph, topo: Topology) -> tuple[dict[str, int], dict[tuple, int]]:
    """Arrival step of every node's output, and the identity-Dense padding of each edge."""
    delay, pad = {topo.input_name: 0}, {}
    for name in topo.order[1:]:
        arrival = max(delay[p] for p in topo.preds[name])
        for p in topo.preds[name]:
            pad[(p, name)] = arrival - delay[p]
        delay[name] = arrival + (1 if isinstance(graph.nodes[name], SYNAPSES) else 0)
    return delay, pad


def binary_input(graph: nir.NIRGraph, topo: Topology, name: str) -> bool:
    """True when a weighted node only ever receives 0/1 spikes (no graded message needed)."""
    preds = topo.preds[name]
    while len(preds) == 1 and isinstance(graph.nodes[preds[0]], nir.Flatten):
        preds = topo.preds[preds[0]]
    return len(preds) == 1 and isinstance(graph.nodes[preds[0]], NEURONS)
