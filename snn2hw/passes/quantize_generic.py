"""Generic fixed-point quantisation: a float NIR graph -> the same graph with integer weights.

Every weighted node (Affine, Linear, Conv) gets integer-valued weights ``w_q = R(w / s)`` in
``[-(2^(b-1)-1), 2^(b-1)-1]`` and is followed by a new ``Scale(s)`` node, so the quantised graph
stays a valid NIR graph whose float semantics is the fake-quantised model. Weighted nodes that
feed the same neuron share one scale (per layer, or per output channel). Neurons keep their NIR
parameters and carry their integer twin as metadata (``snn2hw.quant.*``): the membrane in units
of ``unit = s * input_unit * gain``, threshold ``floor(v_th / unit)`` (exact for integer v and the
strict ``>``), decay ``R(decay * 2^decay_bits)``, bias, reset and initial potential.
Average pools become sum pools with ``1/area`` folded into the next weights.
"""

from __future__ import annotations

import copy

import nir
import numpy as np

from snn2hw.errors import BadInputError, UnsupportedError
from snn2hw.hw.generic import GenericFormat, ratio, round_to_int
from snn2hw.ir import capabilities as caps
from snn2hw.ir import discretize, metadata
from snn2hw.ir.discretize import resolve_dt
from snn2hw.ir.graph import fan_out, topological_order
from snn2hw.passes.quant_events import QUANT_EVENTS, parameter_events, weight_events

MODE, FORMAT, INPUT_SCALE = metadata.QUANT_MODE, metadata.QUANT_FORMAT, metadata.QUANT_INPUT_SCALE
DEQUANT = metadata.QUANT_DEQUANT  # on the inserted Scale nodes (1)
QUANT = metadata.QUANT_PREFIX
TARGET = "fixed:generic"
WEIGHTED = caps.SYNAPSES
PASS_THROUGH = caps.POOLS + (nir.Flatten,)
NEURONS = caps.types(caps.NEURON, target=TARGET)
SPIKING = caps.types(caps.NEURON, spiking=True, target=TARGET)
NEGLIGIBLE = 1e-30  # weights below this magnitude quantise to 0 whatever the scale


def quantize_generic(graph: nir.NIRGraph, fmt: GenericFormat, input_scale: float = 1.0,
                     dt: float | None = None) -> nir.NIRGraph:
    """The quantised copy of ``graph`` (see the module docstring). Integer input = float input *
    ``input_scale``, as in the Loihi mode (1: spikes, event counts; 16: digits pixels k/16)."""
    if not input_scale > 0:
        raise BadInputError(f"input scale must be positive, got {input_scale}")
    q = copy.deepcopy(graph)
    _check_supported(q)
    _avg_to_sum(q)
    step = resolve_dt(q, dt)
    scales = _group_scales(q, fmt)
    units, membranes = _domain_units(q, scales, input_scale, step)
    for name, node in list(q.nodes.items()):
        if isinstance(node, WEIGHTED):
            _quantize_weights(q, name, scales[name], units[name], fmt)
        elif isinstance(node, NEURONS):
            node.metadata.update(_neuron_params(node, membranes[name], step, fmt))
            _dequantize_state(node, membranes[name])
        elif isinstance(node, nir.Output):
            # at least 1-d: HDF5 (nir.write) refuses scalar datasets here
            node.metadata[QUANT + "unit"] = np.atleast_1d(units[name]).astype(np.float64)
    q.metadata.update({MODE: "generic", FORMAT: fmt.to_metadata(), INPUT_SCALE: float(input_scale),
                       metadata.DT: step})
    return q


def _check_supported(graph: nir.NIRGraph) -> None:
    bad = [f"{i.node} ({type(graph.nodes[i.node]).__name__})"
           for i in caps.unsupported(graph, TARGET)]
    if bad:
        raise UnsupportedError(f"generic quantisation does not support: {', '.join(bad)}")
    topological_order(graph)  # refuses cycles and malformed graphs before any walk


def _consumers(graph: nir.NIRGraph, name: str) -> list[str]:
    """Nodes reached from ``name`` through pass-through nodes and Scales (excluded), each once."""
    succs = fan_out(graph)
    found, seen, stack = [], set(), list(succs[name])
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if isinstance(graph.nodes[node], PASS_THROUGH + (nir.Scale,)):
            stack += succs[node]
        else:
            found.append(node)
    return found


def _avg_to_sum(graph: nir.NIRGraph) -> None:
    """AvgPool -> SumPool, dividing the weights of the weighted nodes it feeds by the area."""
    for name, node in list(graph.nodes.items()):
        if not isinstance(node, nir.AvgPool2d):
            continue
        area = float(np.prod(np.broadcast_to(np.atleast_1d(node.kernel_size), (2,))))
        targets = _consumers(graph, name)
        if not all(isinstance(graph.nodes[t], WEIGHTED) for t in targets):
            raise UnsupportedError(f"node '{name}': an AvgPool must feed weighted nodes only")
        for t in targets:
            graph.nodes[t].weight = np.asarray(graph.nodes[t].weight, dtype=np.float64) / area
        graph.nodes[name] = nir.SumPool2d(node.kernel_size, node.stride, node.padding)


def _groups(graph: nir.NIRGraph) -> list[list[str]]:
    """Weighted nodes that feed a common node (through pass-throughs): they must share a scale."""
    parent = {n: n for n in graph.nodes}

    def root(n: str) -> str:
        while parent[n] != n:
            n = parent[n]
        return n

    weighted = [n for n, v in graph.nodes.items() if isinstance(v, WEIGHTED)]
    for name in weighted:
        for target in _consumers(graph, name):
            parent[root(target)] = root(name)
    groups: dict[str, list[str]] = {}
    for name in weighted:
        groups.setdefault(root(name), []).append(name)
    return list(groups.values())


def _out_shape(node: nir.NIRNode, channels: np.ndarray) -> np.ndarray:
    """Per-channel values shaped to broadcast over the node's output ([C], [C,1] or [C,1,1])."""
    extra = {nir.Conv1d: 1, nir.Conv2d: 2}.get(type(node), 0)
    return channels.reshape(-1, *([1] * extra))


def _group_scales(graph: nir.NIRGraph, fmt: GenericFormat) -> dict[str, np.ndarray]:
    scales = {}
    for members in _groups(graph):
        weights = [np.asarray(graph.nodes[m].weight, dtype=np.float64) for m in members]
        per_layer = max(float(np.abs(w).max()) for w in weights)
        per_layer = per_layer if per_layer > NEGLIGIBLE else 1.0
        channels = {w.shape[0] for w in weights}
        for member in members:
            if fmt.granularity == "channel" and len(channels) == 1:
                peak = np.max([np.abs(x.reshape(x.shape[0], -1)).max(axis=1) for x in weights], 0)
                peak = np.where(peak > NEGLIGIBLE, peak, per_layer)
                value = _out_shape(graph.nodes[member], peak)
            else:
                value = np.asarray(per_layer)
            scales[member] = value / fmt.weight_max
    return scales


def _domain_units(graph: nir.NIRGraph, scales: dict, input_scale: float, dt: float
                  ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The float value of one integer step of every node's output, and of every neuron's
    membrane (input unit times the neuron's per-step gain)."""
    units: dict[str, np.ndarray] = {}
    membranes: dict[str, np.ndarray] = {}
    for name in topological_order(graph):
        node = graph.nodes[name]
        ins = [units[s] for s, d in graph.edges if d == name]
        if isinstance(node, nir.Input):
            units[name] = np.asarray(1.0 / float(input_scale))
            continue
        if any(not np.allclose(u, ins[0]) for u in ins[1:]):
            raise UnsupportedError(f"node '{name}': its inputs have different integer units")
        unit = ins[0]
        if isinstance(node, WEIGHTED):
            if unit.size != 1:
                raise UnsupportedError(f"node '{name}': per-channel input units do not factor out")
            unit = scales[name] * unit
        elif isinstance(node, nir.Scale) and not node.metadata.get(DEQUANT):
            unit = unit * np.asarray(node.scale, dtype=np.float64)
        elif isinstance(node, NEURONS):
            membranes[name] = unit * discretize.membrane_step(node, dt).gain
            unit = np.asarray(1.0) if isinstance(node, SPIKING) else membranes[name]
        elif isinstance(node, PASS_THROUGH) and unit.size != 1:
            kind = type(node).__name__
            raise UnsupportedError(f"node '{name}': per-channel units cannot pass {kind}")
        units[name] = unit
    return units, membranes


def _quantize_weights(graph: nir.NIRGraph, name: str, scale: np.ndarray, unit: np.ndarray,
                      fmt: GenericFormat) -> None:
    """Integer weights (and bias in output units) in place, then a dequantising Scale(scale)."""
    node = graph.nodes[name]
    w = np.asarray(node.weight, dtype=np.float64)
    extra = (1,) * (w.ndim - np.ndim(scale)) if np.ndim(scale) else ()
    target = ratio(w, np.reshape(scale, np.shape(scale) + extra))
    node.weight = np.clip(round_to_int(target, fmt.rounding), -fmt.weight_max, fmt.weight_max)
    node.metadata[QUANT_EVENTS] = weight_events(target, node.weight, original=w)
    bias = getattr(node, "bias", None)
    if bias is not None and np.ndim(bias) > 0:
        b_int = round_to_int(ratio(bias, np.reshape(unit, -1)), fmt.rounding)
        node.metadata[QUANT + "bias"] = b_int
        node.bias = b_int * (np.reshape(unit, -1) / np.reshape(scale, -1))
    out_shape = np.asarray(node.output_type.get("output", []))
    factor = np.atleast_1d(np.asarray(scale, dtype=np.float64))
    if out_shape.size and out_shape.dtype.kind in "iu" and (out_shape > 0).all():
        factor = np.broadcast_to(factor, tuple(out_shape)).copy()
    dequant = f"{name}_dequant"
    graph.nodes[dequant] = nir.Scale(scale=factor, metadata={DEQUANT: 1})
    graph.edges = [(dequant, d) if s == name else (s, d) for s, d in graph.edges]
    graph.edges.append((name, dequant))


def _neuron_params(node: nir.NIRNode, unit: np.ndarray, dt: float, fmt: GenericFormat) -> dict:
    """The neuron's integer twin (metadata ``snn2hw.quant.*``) in membrane units ``unit``."""
    coeffs = discretize.membrane_step(node, dt)
    if not (np.asarray(unit) > 0).all():
        raise UnsupportedError("neurons need a positive input gain to be quantised")
    shape = np.broadcast_shapes(np.shape(coeffs.decay), np.shape(unit))
    one = 2**fmt.decay_bits
    params = {
        "decay": np.clip(round_to_int(coeffs.decay * one, fmt.rounding), 0, one),
        "bias": round_to_int(ratio(coeffs.bias, unit), fmt.rounding),
    }
    v0 = metadata.v_init(node)
    params["v_init"] = round_to_int(ratio(0.0 if v0 is None else v0, unit), fmt.rounding)
    if isinstance(node, SPIKING):
        v_reset = node.v_reset if node.v_reset is not None else 0.0
        params["vth"] = np.floor(ratio(node.v_threshold, unit))
        params["v_reset"] = round_to_int(ratio(v_reset, unit), fmt.rounding)
        if metadata.reset_mode(node) == "subtract":
            params["v_sub"] = round_to_int(ratio(node.v_threshold, unit), fmt.rounding)
    # Saturate to the state format: a threshold above it never fires, as in the float model.
    exact = params
    params = {k: np.clip(v, -fmt.state_max, fmt.state_max) for k, v in params.items()}
    node.metadata[QUANT_EVENTS] = parameter_events(
        np.asarray(node.v_threshold if "vth" in params else 0.0),
        np.asarray(params["vth"] if "vth" in params else 0.0),
        {k: (exact[k], params[k]) for k in ("bias", "v_init", "v_reset") if k in params})
    params["unit"] = np.broadcast_to(unit, shape).astype(np.float64)
    return {QUANT + k: np.broadcast_to(v, shape).astype(np.float64)
            for k, v in params.items()}


def _dequantize_state(node: nir.NIRNode, unit: np.ndarray) -> None:
    """Make the NIR fields the float value of the integer initial and reset potentials."""
    if metadata.v_init(node) is not None:
        node.metadata[metadata.V_INIT] = node.metadata[QUANT + "v_init"] * unit
    if isinstance(node, SPIKING):
        node.v_reset = node.metadata[QUANT + "v_reset"] * unit
