"""Graph queries the Loihi passes and the Lava backend share: order, neighbours, shapes.

A thin view of :mod:`snn2hw.ir.graph` (the one graph layer) for acyclic graphs with one Input and
one Output; shapes are per sample, in NIR (torch, channels first) order.
"""

from __future__ import annotations

from dataclasses import dataclass

import nir

from snn2hw.errors import UnsupportedError
from snn2hw.ir.graph import conv_geometry, infer_shapes, output_shape, schedule

SYNAPSES = (nir.Affine, nir.Linear, nir.Conv2d)
POOLS = (nir.SumPool2d, nir.AvgPool2d)
NEURONS = (nir.IF, nir.LIF)
PASSIVE = (nir.Input, nir.Output, nir.Flatten)
SUPPORTED = SYNAPSES + POOLS + NEURONS + PASSIVE

__all__ = ["SYNAPSES", "POOLS", "NEURONS", "PASSIVE", "SUPPORTED", "Topology", "topology",
           "conv_geometry", "output_shape"]


@dataclass(frozen=True)
class Topology:
    """Topological order, predecessors and successors of every node, and per-sample shapes."""

    order: list[str]
    preds: dict[str, list[str]]
    succs: dict[str, list[str]]
    shapes: dict[str, tuple[int, ...]]
    input_name: str
    output_name: str


def topology(graph: nir.NIRGraph) -> Topology:
    """Order and shapes of an acyclic single-input, single-output graph."""
    sched = schedule(graph)
    if sched.has_cycles:
        cycle = sorted(n for n, srcs in sched.recurrent_inputs.items() if srcs)
        raise UnsupportedError(f"cycle or unreachable nodes: {', '.join(cycle)}")
    missing = [n for n in sched.order if n != sched.input_name and not sched.forward_inputs[n]]
    if missing:
        raise UnsupportedError(f"node '{missing[0]}' has no input edge")
    return Topology(sched.order, sched.forward_inputs, sched.forward_outputs,
                    infer_shapes(graph, sched), sched.input_name, sched.output_name)
