"""Fold a float NIR graph into the form Lava's LIF can run: the float half of the Loihi mapping.

Lava's LIF has one ``du``, ``dv`` and ``vth`` per population, no input gain and resets to 0. This
pass rewrites an acyclic IF/LIF graph so every neuron is exactly Lava's float LIF
(``u = a_in; v = v * (1 - dv) + u + bias; spike v > vth; v = 0``) with the same spikes:

- each neuron's Euler gain (:func:`snn2hw.ir.discretize.membrane_step`) and per-neuron threshold
  are folded into the rows (output channels for Conv) of the weighted nodes feeding it; the
  neuron keeps ``vth = max(v_threshold)`` and its membrane is scaled by ``vth / v_threshold``;
- Affine/Conv biases feeding a neuron move into the neuron's ``bias`` (the node becomes
  Linear/bias-free); NIR's ``v_leak`` term is added there too;
- SumPool2d/AvgPool2d become depthwise Conv2d nodes (ones, or ``1/area``);
- the initial potential ``snn2hw.v_init`` becomes the neuron's ``v_init``.

Neuron nodes keep their NIR fields and carry the Lava parameters as metadata ``snn2hw.loihi``
(``du``, ``dv``, ``vth``, ``bias_mant``, ``bias_exp``, ``v_init``, ``scale``); weighted nodes
carry ``scale_in``/``scale_out`` (1.0 here, see :mod:`snn2hw.passes.quantize_loihi`).
Anything Lava cannot express is reported by :func:`loihi_issues` with the node's name.
"""

from __future__ import annotations

import copy

import nir
import numpy as np

from snn2hw.errors import UnsupportedError
from snn2hw.ir import discretize, metadata
from snn2hw.ir.discretize import resolve_dt

from .loihi_graph import NEURONS, POOLS, SUPPORTED, SYNAPSES, Topology, topology

# The keys live in snn2hw.ir.metadata; these names are what the Loihi passes and backends use.
LOIHI = metadata.LOIHI  # node metadata: the Lava parameters of the node
PRECISION = metadata.LOIHI_PRECISION  # graph metadata: "float" | "fixed"
INPUT_SCALE = metadata.LOIHI_INPUT_SCALE  # graph metadata: integer input = float input * scale


def dequantise(synapse: nir.NIRNode, values: np.ndarray) -> np.ndarray:
    """A synapse's Lava output in float units: ``a_out / scale_out`` plus an Affine's bias
    (which the chip does not add to a non-spiking readout)."""
    scale = float(np.asarray(synapse.metadata.get(LOIHI, {}).get("scale_out", 1.0)))
    bias = np.asarray(getattr(synapse, "bias", 0.0) if isinstance(synapse, nir.Affine) else 0.0)
    return values / scale + bias


def loihi_issues(graph: nir.NIRGraph, dt: float | None = None) -> list[tuple[str, str]]:
    """Every (node, reason) that keeps ``graph`` off Lava; empty when it maps."""
    issues = [(n, f"NIR type {type(node).__name__} has no Lava mapping")
              for n, node in graph.nodes.items() if not isinstance(node, SUPPORTED)]
    if issues:
        return issues
    try:
        topo = topology(graph)
    except UnsupportedError as exc:
        return [("graph", str(exc))]
    step = resolve_dt(graph, dt)
    for name in topo.order:
        node = graph.nodes[name]
        if len(topo.preds[name]) > 1 and not isinstance(node, NEURONS + SYNAPSES + POOLS):
            issues.append((name, "several inputs into a node without a Lava process to sum them"))
        if isinstance(node, NEURONS):
            issues += [(name, m) for m in _neuron_issues(graph, topo, name, step)]
        elif isinstance(node, SYNAPSES + POOLS):
            issues += [(name, m) for m in _synapse_issues(graph, topo, name)]
    return issues


def _neuron_issues(graph, topo: Topology, name: str, dt: float) -> list[str]:
    node, problems = graph.nodes[name], []
    if node.v_reset is not None and np.any(np.asarray(node.v_reset) != 0):
        problems.append("non-zero v_reset: Lava's LIF resets to 0")
    if metadata.reset_mode(node) != "hard":
        problems.append("subtractive reset: no Lava process resets by subtraction")
    if np.any(np.asarray(node.v_threshold) <= 0):
        problems.append("v_threshold must be positive")
    decay = discretize.membrane_step(node, dt).decay
    if np.ptp(decay) > 0:
        problems.append("tau varies across neurons: Lava has one dv per population")
    feeders = [p for p in topo.preds[name] if not isinstance(graph.nodes[p], SYNAPSES + POOLS)]
    if feeders:
        problems.append(f"fed by {', '.join(feeders)}: neurons must be fed by weighted nodes")
    for pre in topo.preds[name]:
        if isinstance(graph.nodes[pre], (nir.Conv2d,) + POOLS) and np.any(
            np.ptp(_channel_rows(_row_factor(node, dt), topo.shapes[name]), axis=1) > 0
        ):
            problems.append("gain or threshold varies inside a channel fed by a convolution")
    return problems


def _synapse_issues(graph, topo: Topology, name: str) -> list[str]:
    succs = topo.succs[name]
    if any(isinstance(graph.nodes[s], NEURONS) for s in succs) and len(succs) > 1:
        return ["a weighted node feeding a neuron must feed nothing else"]
    node = graph.nodes[name]
    neuron_fed = any(isinstance(graph.nodes[s], NEURONS) for s in succs)
    readout = succs == [topo.output_name]
    if not (neuron_fed or readout) and np.any(np.asarray(_bias(node)) != 0):
        return ["bias on a node that feeds neither a neuron nor the output"]
    return []


def _channel_rows(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(values, shape).reshape(shape[0], -1)


def _bias(node) -> np.ndarray | float:
    bias = getattr(node, "bias", None)
    return 0.0 if bias is None else np.asarray(bias, dtype=np.float64)


def _row_factor(node, dt: float) -> np.ndarray:
    """Per-neuron factor folded into incoming weights: Euler gain * vth / v_threshold."""
    gain = discretize.membrane_step(node, dt).gain
    v_th = np.asarray(node.v_threshold, dtype=np.float64)
    return gain * v_th.max() / v_th


def fold_loihi(graph: nir.NIRGraph, dt: float | None = None) -> nir.NIRGraph:
    """``graph`` with neurons in Lava's float LIF form (see the module docstring)."""
    step = resolve_dt(graph, dt)
    issues = loihi_issues(graph, step)
    if issues:
        raise UnsupportedError("; ".join(f"{n}: {m}" for n, m in issues))
    topo = topology(graph)
    nodes = {n: copy.deepcopy(node) for n, node in graph.nodes.items()}
    for name in topo.order:
        if isinstance(graph.nodes[name], POOLS):
            nodes[name] = _pool_as_conv(graph.nodes[name], topo.shapes[topo.preds[name][0]])
        if isinstance(nodes[name], SYNAPSES):
            nodes[name].metadata[LOIHI] = {"scale_in": 1.0, "scale_out": 1.0}
    for name in topo.order:
        if isinstance(graph.nodes[name], NEURONS):
            _fold_neuron(nodes, topo, name, step)
    meta = {**graph.metadata, discretize.DT: step, PRECISION: "float", INPUT_SCALE: 1.0}
    return nir.NIRGraph(nodes=nodes, edges=list(graph.edges), metadata=meta, type_check=False)


def _pool_as_conv(node, in_shape: tuple[int, ...]) -> nir.Conv2d:
    """A pool as a depthwise convolution on its input ``(C, H, W)``; the input size is kept so
    that the quantised graph can be written (nir.write refuses ``input_shape=None``)."""
    channels = in_shape[0]
    kernel = tuple(int(k) for k in np.atleast_1d(node.kernel_size))
    kernel = kernel * 2 if len(kernel) == 1 else kernel
    value = 1.0 if isinstance(node, nir.SumPool2d) else 1.0 / float(np.prod(kernel))
    weight = np.full((channels, 1, *kernel), value)
    return nir.Conv2d(input_shape=tuple(int(s) for s in in_shape[1:]), weight=weight,
                      stride=node.stride, padding=node.padding,
                      dilation=1, groups=channels, bias=np.zeros(channels),
                      metadata=dict(node.metadata))


def _fold_neuron(nodes: dict, topo: Topology, name: str, dt: float) -> None:
    neuron, shape = nodes[name], topo.shapes[name]
    coeffs = discretize.membrane_step(neuron, dt)
    factor = np.broadcast_to(_row_factor(neuron, dt), shape)
    v_th = np.broadcast_to(np.asarray(neuron.v_threshold, dtype=np.float64), shape)
    norm = v_th.max() / v_th  # membrane scale of each neuron
    bias = np.broadcast_to(coeffs.bias, shape) * norm
    for pre in topo.preds[name]:
        bias = bias + factor * _take_bias(nodes, pre, shape)
        _scale_rows(nodes[pre], factor)
    v0 = metadata.v_init(neuron)
    v0 = np.zeros(shape) if v0 is None else np.broadcast_to(v0, shape) * norm
    neuron.metadata[LOIHI] = {
        "du": 1.0, "dv": float(1.0 - coeffs.decay.flat[0]), "vth": float(v_th.max()),
        "bias_mant": np.array(bias, dtype=np.float64), "bias_exp": 0,
        "v_init": np.array(v0, dtype=np.float64), "scale": 1.0,
    }


def _take_bias(nodes: dict, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Remove the bias of weighted node ``name`` and return it broadcast to ``shape``."""
    node = nodes[name]
    bias = np.zeros(shape)
    if isinstance(node, nir.Affine):
        bias = np.asarray(node.bias, dtype=np.float64).reshape(shape)
        nodes[name] = nir.Linear(weight=node.weight, metadata=node.metadata)
    elif isinstance(node, nir.Conv2d) and node.bias is not None:
        bias = np.broadcast_to(np.asarray(node.bias, dtype=np.float64)[:, None, None], shape)
        node.bias = np.zeros_like(np.asarray(node.bias, dtype=np.float64))
    return bias


def _scale_rows(node, factor: np.ndarray) -> None:
    """Multiply the weights producing each output (row or output channel) by ``factor``."""
    weight = np.asarray(node.weight, dtype=np.float64)
    if isinstance(node, nir.Conv2d):
        per_channel = factor.reshape(factor.shape[0], -1)[:, 0]
        node.weight = weight * per_channel[:, None, None, None]
    else:
        node.weight = weight * factor.reshape(-1)[:, None]
