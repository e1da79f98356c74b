"""What ``LavaBackend.report()`` returns: the per-layer mapping and Loihi formats chosen."""

from __future__ import annotations

from dataclasses import dataclass, field

import nir
import numpy as np

from snn2hw.passes.fold_loihi import LOIHI
from snn2hw.passes.loihi_graph import NEURONS, SYNAPSES, Topology


@dataclass
class LavaLayer:
    """One Lava process: its NIR node, kind, shape and the number formats used."""

    node: str
    process: str  # Dense | Conv | LIF
    shape: tuple[int, ...]
    delay: int  # step at which its output of input step 0 appears
    scale: float  # integer value = float value * scale (1 in float precision)
    weight_exp: int | None = None
    max_weight: float | None = None  # largest |weight| as stored (mantissa in fixed point)
    vth: float | None = None
    dv: float | None = None
    bias_exp: int | None = None


@dataclass
class LavaReport:
    precision: str
    output_delay: int
    layers: list[LavaLayer] = field(default_factory=list)
    timing: dict[str, float] = field(default_factory=dict)


def make_report(graph: nir.NIRGraph, topo: Topology, delay: dict[str, int], precision: str,
                timing: dict[str, float]) -> LavaReport:
    """The report of a mapped (folded or quantised) graph."""
    report = LavaReport(precision, delay[topo.output_name], timing=dict(timing))
    for name in topo.order:
        node, meta = graph.nodes[name], graph.nodes[name].metadata.get(LOIHI, {})
        if isinstance(node, SYNAPSES):
            report.layers.append(LavaLayer(
                name, "Conv" if isinstance(node, nir.Conv2d) else "Dense", topo.shapes[name],
                delay[name], float(meta.get("scale_out", 1.0)), int(meta.get("weight_exp", 0)),
                float(np.max(np.abs(node.weight))),
            ))
        elif isinstance(node, NEURONS):
            report.layers.append(LavaLayer(
                name, "LIF", topo.shapes[name], delay[name], float(meta["scale"]),
                vth=float(meta["vth"]), dv=float(meta["dv"]), bias_exp=int(meta["bias_exp"]),
            ))
    return report
