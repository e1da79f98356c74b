"""Firing rates and synaptic-operation counts measured on data with the reference backend."""

from __future__ import annotations

from dataclasses import dataclass

import nir
import numpy as np
import torch
import torch.nn.functional as F

from snn2hw.backends.reference import simulate
from snn2hw.ir.graph import synapse_inputs


@dataclass
class LayerActivity:
    """Per sample, summed over time: what drove one weighted layer."""

    rate: float  # mean input value per element and step (spikes: the firing rate)
    binary: bool  # every input value was 0 or 1
    effective_ops: float  # sum over input elements of value x synapses it really drives


def effective_ops(node: nir.NIRNode, x: torch.Tensor) -> float:
    """Sum over the inputs ``x [N, ...]`` of value x fan-out, counting the synapses each input
    really drives (conv borders drive fewer). One all-ones output channel per group suffices:
    every output channel of a group sees the same inputs."""
    if isinstance(node, (nir.Affine, nir.Linear)):
        return float(x.sum()) * np.asarray(node.weight).shape[0]
    weight = np.asarray(node.weight)
    groups, c_out = int(node.groups), weight.shape[0]
    ones = torch.ones((groups, *weight.shape[1:]), dtype=x.dtype)
    conv = F.conv2d if isinstance(node, nir.Conv2d) else F.conv1d
    padding = node.padding if isinstance(node.padding, str) else tuple(
        int(p) for p in np.atleast_1d(node.padding))
    out = conv(x, ones, None, tuple(int(s) for s in np.atleast_1d(node.stride)), padding,
               tuple(int(d) for d in np.atleast_1d(node.dilation)), groups)
    return float(out.sum()) * (c_out // groups)


def measure_activity(graph: nir.NIRGraph, inputs: np.ndarray, dt: float | None = None,
                     effective: bool = True
                     ) -> tuple[dict[str, LayerActivity], np.ndarray]:
    """Run ``inputs [T, B, ...]``; per weighted layer its activity (``effective_ops`` only when
    ``effective``, else 0: it costs a convolution per layer), and the graph output."""
    result = simulate(graph, inputs, dt=dt, record=True, potentials=False)
    batch, activity = inputs.shape[1], {}
    for name, node, x in synapse_inputs(graph, result.records):
        ops = 0.0
        if effective:
            flat = torch.as_tensor(np.ascontiguousarray(x.reshape(-1, *x.shape[2:])))
            ops = effective_ops(node, flat) / batch
        activity[name] = LayerActivity(rate=float(x.mean()),
                                       binary=bool(((x == 0) | (x == 1)).all()),
                                       effective_ops=ops)
    return activity, result.output
