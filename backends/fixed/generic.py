"""Generic mode: the integer program of a graph quantised by
:func:`snn2hw.passes.quantize_generic.quantize_generic`.

Scale nodes are identities in the integer domain (their factor is part of the integer units the
pass computed); neurons read their integer twin from ``snn2hw.quant.*`` metadata.
"""

from __future__ import annotations

import nir
import numpy as np
import torch

from snn2hw import passes
from snn2hw.backend import Issue
from snn2hw.errors import BadInputError, UnsupportedError
from snn2hw.ir import metadata
from snn2hw.ir.capabilities import unsupported
from snn2hw.ir.graph import Schedule, schedule
from snn2hw.passes import quantize_generic as qg

from . import events, intops, synapses
from .neurons import GenericNeuron
from .simulator import Program

QUANT = metadata.QUANT_PREFIX
TARGET = "fixed:generic"


def fmt_of(graph: nir.NIRGraph) -> qg.GenericFormat:
    return qg.GenericFormat.from_metadata(dict(graph.metadata.get(qg.FORMAT, {})))


def check(graph: nir.NIRGraph) -> list[Issue]:
    """Problems that stop a generic-quantised graph from running here."""
    issues = unsupported(graph, TARGET)
    refused = {i.node for i in issues}
    for name, node in graph.nodes.items():
        if name in refused:
            continue
        if isinstance(node, qg.NEURONS):
            if QUANT + "decay" not in node.metadata:
                issues.append(Issue(name, "neuron has no snn2hw.quant.* parameters"))
        elif isinstance(node, nir.AvgPool2d):
            issues.append(Issue(name, "AvgPool2d left in a quantised graph (the pass makes it "
                                      "a SumPool2d)"))
        elif isinstance(node, qg.WEIGHTED) and not _integral(node.weight):
            issues.append(Issue(name, "weights are not integers (quantise the graph first)"))
    return issues


def _integral(values) -> bool:
    values = np.asarray(values, dtype=np.float64)
    return bool(np.all(values == np.round(values)))


def _int(node: nir.NIRNode, key: str, device) -> torch.Tensor:
    return torch.as_tensor(np.asarray(node.metadata[QUANT + key]), device=device).to(torch.int64)


def neuron(node: nir.NIRNode, fmt: qg.GenericFormat, device) -> GenericNeuron:
    meta = node.metadata
    spiking = isinstance(node, qg.SPIKING)
    return GenericNeuron(
        fmt, _int(node, "decay", device), _int(node, "bias", device), _int(node, "v_init", device),
        vth=_int(node, "vth", device) if spiking else None,
        v_reset=_int(node, "v_reset", device) if spiking else None,
        subtract=_int(node, "v_sub", device) if QUANT + "v_sub" in meta else None,
    )


def input_op(graph: nir.NIRGraph, fmt: qg.GenericFormat):
    """Float input -> integers, ``round(x * input_scale)`` (the graph's input scale)."""
    scale = float(metadata.graph_value(graph, qg.INPUT_SCALE, 1.0))

    def quantize(x: torch.Tensor) -> torch.Tensor:
        if not torch.isfinite(x).all():
            raise BadInputError("the input contains NaN or infinity")
        scaled = x.to(torch.float64) * scale
        rounded = intops.round_float(scaled, fmt.rounding)
        events.warn_input_rounding(x, scaled, rounded, scale)
        return rounded.to(torch.int64)

    return quantize


def input_scale(graph: nir.NIRGraph) -> float:
    """The input scale the graph was quantised for."""
    return float(metadata.graph_value(graph, qg.INPUT_SCALE, 1.0))


quantisation_events = events.quantisation_events


def _op(name: str, node: nir.NIRNode, device):
    if isinstance(node, (nir.Affine, nir.Linear)):
        bias = node.metadata.get(QUANT + "bias") if isinstance(node, nir.Affine) else None
        return synapses.affine(np.asarray(node.weight), bias, device)
    if isinstance(node, (nir.Conv1d, nir.Conv2d)):
        bias = node.metadata.get(QUANT + "bias")
        return synapses.conv(node, np.asarray(node.weight), bias, device)
    if isinstance(node, nir.SumPool2d):
        return synapses.sum_pool(node)
    if isinstance(node, nir.Flatten):
        return synapses.flatten(node)
    if isinstance(node, (nir.Scale, nir.Output)):
        return synapses.identity  # their factor is part of the integer units
    raise UnsupportedError(f"node '{name}': NIR type {type(node).__name__} has no integer op")


def build(graph: nir.NIRGraph, device: str = "cpu", **_: object) -> Program:
    """The integer program of a generic-quantised graph (no options)."""
    fmt = fmt_of(graph)
    sched = schedule(graph)
    nodes: dict[str, object] = {}
    for name, node in graph.nodes.items():
        if name == sched.input_name:
            nodes[name] = input_op(graph, fmt)
        elif isinstance(node, qg.NEURONS):
            nodes[name] = neuron(node, fmt, device)
        else:
            nodes[name] = _op(name, node, device)
    return Program(sched, nodes)


def quantize(graph: nir.NIRGraph, options: dict, dt: float | None) -> nir.NIRGraph:
    """Quantise a float graph with ``GenericFormat`` fields and ``input_scale`` in ``options``."""
    unknown = set(options) - set(qg.GenericFormat.__dataclass_fields__) - {"input_scale"}
    if unknown:
        raise BadInputError(f"unknown generic format options: {', '.join(sorted(unknown))}")
    return passes.run_pipeline(graph, [("quantize-generic", {**options, "dt": dt})])


def dequantize(graph: nir.NIRGraph, output: np.ndarray, sched: Schedule) -> np.ndarray:
    """Integer output times the float value of one step (1 for spikes; ``sched``: the graph's)."""
    out = graph.nodes[sched.output_name]
    unit = np.asarray(out.metadata.get(QUANT + "unit", 1.0), dtype=np.float64)
    return output * unit


def format_summary(graph: nir.NIRGraph) -> dict:
    return {**fmt_of(graph).to_metadata(),
            "input_scale": float(metadata.graph_value(graph, qg.INPUT_SCALE, 1.0))}
