"""NeuroBench's metrics (neurobench 2.3 ``metrics.static`` and ``metrics.workload``) computed
from a NIR graph and a recorded run of the reference backend:

- footprint: bytes of every parameter array (weights, biases, neuron parameters); NeuroBench
  counts a torch model's parameters and buffers.
- connection sparsity: zero weights / weights of the synaptic layers (biases not counted).
- activation sparsity: zero outputs / outputs of every spiking layer, over all time steps and
  samples.
- synaptic operations per sample, summed over time steps: dense (every input active), effective
  MACs (steps whose input is not all 0/+-1) and effective ACs (steps whose input is). An active
  (non-zero) input counts the synapses it drives, whatever its value; biases are not counted.

The synapse counting is snn2hw's own (:func:`snn2hw.backends.energy.rates.effective_ops`):
it counts every synapse of the graph, NeuroBench only those whose weight is non-zero, so the two
agree when the connection sparsity is 0 (a trained, unpruned model)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import nir
import numpy as np
import torch

from snn2hw import activity, registry
from snn2hw.backend import RunConfig, RunResult
from snn2hw.ir.capabilities import SPIKING_NEURONS
from snn2hw.ir.capabilities import SYNAPSES as WEIGHTED
from snn2hw.ir.graph import synapse_inputs
from snn2hw.ir.io import read_graph


@dataclass
class MetricsRequest:
    """What ``snn2hw metrics`` measures: a graph and its inputs (a dataset or a .npy)."""

    graph_path: str
    dataset: str | None = None
    input_path: str | None = None
    samples: int | None = None
    steps: int | None = None
    dt: float | None = None
    device: str = "cpu"


def _arrays(node: nir.NIRNode) -> list[np.ndarray]:
    """The node's parameter arrays (its dataclass fields holding arrays, not its types)."""
    skip = {"input_type", "output_type", "metadata"}
    values = (getattr(node, f.name) for f in dataclasses.fields(node) if f.name not in skip)
    return [v for v in values if isinstance(v, np.ndarray)]


def static_metrics(graph: nir.NIRGraph) -> dict:
    """Footprint in bytes (all, synapses, neurons) and connection sparsity of ``graph``."""
    synapse_bytes = neuron_bytes = weights = zeros = 0
    for node in graph.nodes.values():
        if isinstance(node, WEIGHTED):
            weight = np.asarray(node.weight)
            weights += int(weight.size)
            zeros += int(weight.size - np.count_nonzero(weight))
            synapse_bytes += sum(int(a.nbytes) for a in _arrays(node))
        elif isinstance(node, SPIKING_NEURONS):
            neuron_bytes += sum(int(a.nbytes) for a in _arrays(node))
    return {"footprint_bytes": synapse_bytes + neuron_bytes, "synapse_bytes": synapse_bytes,
            "neuron_bytes": neuron_bytes, "weights": weights, "zero_weights": zeros,
            "connection_sparsity": zeros / weights if weights else 0.0}


def _spiking(step: np.ndarray) -> bool:
    """NeuroBench's test for accumulate-only inputs: every value is 0, 1 or -1."""
    return bool(np.isin(step, (0.0, 1.0, -1.0)).all())


def layer_operations(graph: nir.NIRGraph, result: RunResult) -> list[dict]:
    """Per synaptic layer and sample: dense, effective MAC and effective AC operations, from
    the inputs recorded in ``result`` (``[T, B, ...]`` per node)."""
    effective_ops = registry.tool("energy.effective_ops")  # the energy backend's counting
    rows = []
    for name, node, x in synapse_inputs(graph, result.records):
        steps, batch = x.shape[:2]
        ones = torch.ones((1, *x.shape[2:]), dtype=torch.float32)
        macs = acs = 0.0
        for step in x:
            ops = effective_ops(node, torch.as_tensor(np.ascontiguousarray(step != 0),
                                                      dtype=torch.float32)) / batch
            if _spiking(step):
                acs += ops
            else:
                macs += ops
        rows.append({"name": name, "dense": effective_ops(node, ones) * steps,
                     "effective_macs": macs, "effective_acs": acs})
    return rows


def activation_sparsity(graph: nir.NIRGraph, result: RunResult) -> float:
    """Zero outputs / outputs of every recorded spiking layer (0 when none was recorded)."""
    outputs = [result.records[n] for n in activity.spiking_layers(graph) if n in result.records]
    total = sum(int(o.size) for o in outputs)
    zeros = sum(int(o.size - np.count_nonzero(o)) for o in outputs)
    return zeros / total if total else 0.0


def workload_metrics(graph: nir.NIRGraph, result: RunResult) -> dict:
    """Activation sparsity and synaptic operations per sample of a recorded run."""
    layers = layer_operations(graph, result)
    return {"activation_sparsity": activation_sparsity(graph, result),
            "synaptic_operations": {key: sum(row[key] for row in layers)
                                    for key in ("dense", "effective_macs", "effective_acs")},
            "layers": layers}


def metrics(request: MetricsRequest) -> dict:
    """Static and workload metrics of ``request``'s graph on its inputs (reference backend)."""
    graph = read_graph(request.graph_path)
    inputs = activity.load_inputs(graph, request.dataset, request.input_path, None,
                                  request.samples, request.steps)
    result = activity.run_recorded(graph, "reference", inputs.x,
                                   RunConfig(dt=request.dt, device=request.device))
    return {"graph": str(request.graph_path), "source": inputs.source,
            "samples": int(inputs.x.shape[1]), "T": int(inputs.x.shape[0]),
            **static_metrics(graph), **workload_metrics(graph, result)}
