"""Loihi mode: the integer program of a graph quantised by
:func:`snn2hw.passes.quantize_loihi.quantize_loihi`, step for step Lava's bit-accurate models.

- Affine/Linear -> Lava Dense: the stored weights are mantissas, clipped/truncated as Lava does,
  the accumulation shifted by ``weight_exp``; a readout's bias is added after dequantising.
- Conv2d (pools are depthwise Conv2d after the pass) -> Lava Conv: 24-bit wrapped accumulation.
- IF/LIF -> Lava LIF (``du``, ``dv``, ``vth``, ``bias_mant << bias_exp``, initial ``v``).
Timing (``RunConfig.extra["timing"]``):

- ``"aligned"`` (default): step t of every node is computed from input step t, as the Lava
  backend delivers it (it starts each population from its initial state when its first input
  arrives and shifts outputs back), so the two agree spike for spike.
- ``"lava"``: raw Lava processes. Every Dense/Conv sends last step's accumulation (one step of
  delay; shorter paths wait where they meet) and populations idle with their bias until their
  input arrives; outputs are shifted back so that step t is at index t.
"""

from __future__ import annotations

import nir
import numpy as np
import torch

from snn2hw import passes
from snn2hw.backend import Issue
from snn2hw.errors import BadInputError, UnsupportedError
from snn2hw.ir import metadata
from snn2hw.ir.graph import Schedule, schedule
from snn2hw.passes.fold_loihi import INPUT_SCALE, LOIHI, PRECISION, dequantise
from snn2hw.passes.loihi_graph import NEURONS, SYNAPSES

from . import events, synapses
from .formats import LOIHI as LOIHI_FMT
from .neurons import LoihiLif
from .simulator import Program

SUPPORTED = SYNAPSES + NEURONS + (nir.Flatten, nir.Input, nir.Output)


def is_loihi(graph: nir.NIRGraph) -> bool:
    return metadata.graph_value(graph, PRECISION) == "fixed"


def quantize(graph: nir.NIRGraph, options: dict, dt: float | None) -> nir.NIRGraph:
    """Quantise with the ``quantize-loihi`` pass (options: ``scale``, ``input_scale``;
    8-bit weights)."""
    options = dict(options)
    if options.pop("weight_bits", LOIHI_FMT.weight_bits) != LOIHI_FMT.weight_bits:
        raise BadInputError("loihi mode uses Loihi's 8-bit weights; use generic mode for others")
    unknown = set(options) - {"scale", "input_scale"}
    if unknown:
        raise BadInputError(f"unknown loihi options: {', '.join(sorted(unknown))}")
    try:
        return passes.run_pipeline(graph, [("quantize-loihi", {
            "dt": dt, "scale": options.get("scale"),
            "input_scale": float(options.get("input_scale", 1.0))})])
    except ValueError as exc:  # every node that does not fit, named (one line, exit 2)
        raise UnsupportedError(f"cannot quantise to Loihi formats: {exc}") from None


def _params(node: nir.NIRNode) -> dict:
    return dict(node.metadata.get(LOIHI, {}))


def check(graph: nir.NIRGraph) -> list[Issue]:
    issues = []
    for name, node in graph.nodes.items():
        if not isinstance(node, SUPPORTED):
            kind = type(node).__name__
            issues.append(Issue(name, f"NIR type {kind} is not supported in loihi mode"))
        elif isinstance(node, SYNAPSES + NEURONS) and not _params(node):
            issues.append(Issue(name, f"no {LOIHI} parameters (quantise with --mode loihi)"))
        elif isinstance(node, SYNAPSES) and not _integral(node.weight):
            issues.append(Issue(name, "weights are not integers"))
    return issues


def _integral(values) -> bool:
    """Whether every value is an integer (``rint`` is much faster than ``mod`` on 11M weights)."""
    values = np.asarray(values)
    return bool(np.array_equal(values, np.rint(values)))


def _ints(value, device) -> torch.Tensor:
    return torch.as_tensor(np.rint(np.asarray(value, dtype=np.float64)), device=device).to(
        torch.int64)


def neuron(node: nir.NIRNode, device) -> LoihiLif:
    p = _params(node)
    return LoihiLif(int(p["du"]), int(p["dv"]), int(p["vth"]), _ints(p["bias_mant"], device),
                    _ints(p["bias_exp"], device), _ints(p["v_init"], device))


def synapse(node: nir.NIRNode, device) -> synapses.IntOp:
    if isinstance(node, nir.Conv2d):
        return synapses.with_wrap(synapses.conv(node, np.rint(node.weight), None, device))
    weights = synapses.lava_dense_weights(np.rint(node.weight))
    exponent = int(np.asarray(_params(node).get("weight_exp", 0)))
    return synapses.with_shift(synapses.affine(weights, None, device), exponent)


def input_op(graph: nir.NIRGraph):
    """Float input -> the integers Lava's source sends, ``rint(x * input_scale)`` (half to
    even, as numpy), kept in a float64 tensor (exact integers) for the first synapse."""
    scale = float(metadata.graph_value(graph, INPUT_SCALE, 1.0))

    def quantize_input(x: torch.Tensor) -> torch.Tensor:
        if not torch.isfinite(x).all():
            raise BadInputError("the input contains NaN or infinity")
        scaled = x.to(torch.float64)
        scaled = scaled if scale == 1.0 else scaled * scale
        rounded = torch.round(scaled)
        events.warn_input_rounding(x, scaled, rounded, scale)
        return rounded

    return quantize_input


def input_scale(graph: nir.NIRGraph) -> float:
    """The input scale the graph was quantised for."""
    return float(metadata.graph_value(graph, INPUT_SCALE, 1.0))


quantisation_events = events.quantisation_events


TIMINGS = ("aligned", "lava")


def build(graph: nir.NIRGraph, device: str = "cpu", timing: str = "aligned") -> Program:
    sched = schedule(graph)
    nodes: dict[str, object] = {}
    for name, node in graph.nodes.items():
        if name == sched.input_name:
            nodes[name] = input_op(graph)
        elif isinstance(node, NEURONS):
            nodes[name] = neuron(node, device)
        elif isinstance(node, SYNAPSES):
            nodes[name] = synapse(node, device)
        elif isinstance(node, nir.Flatten):
            nodes[name] = synapses.flatten(node)
        else:
            nodes[name] = synapses.identity
    if timing not in TIMINGS:
        raise BadInputError(f"timing must be one of {TIMINGS}, got '{timing}'")
    spiking = frozenset(n for n, node in graph.nodes.items() if isinstance(node, NEURONS))
    if timing == "aligned":
        return Program(sched, nodes, spiking=spiking)
    delays = {n: 1 for n, node in graph.nodes.items() if isinstance(node, SYNAPSES)}
    return Program(sched, nodes, delays, lava_timing=True, spiking=spiking)


def dequantize(graph: nir.NIRGraph, output: np.ndarray, sched: Schedule) -> np.ndarray:
    """Spikes as they are; a readout's ``a_out / scale_out + bias`` (``sched``: the graph's)."""
    source = graph.nodes[sched.forward_inputs[sched.output_name][0]]
    if not isinstance(source, SYNAPSES):
        return output.astype(np.float64)
    return dequantise(source, output)


def format_summary(graph: nir.NIRGraph) -> dict:
    return {"weight_bits": LOIHI_FMT.weight_bits, "state_bits": LOIHI_FMT.state_bits,
            "decay_bits": LOIHI_FMT.decay_bits,
            "input_scale": float(metadata.graph_value(graph, INPUT_SCALE, 1.0))}
