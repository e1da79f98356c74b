"""A NIR graph as ONE time step in ONNX (see :mod:`.protocol` for the tensor contract).

The walk follows the schedule of :mod:`snn2hw.ir.graph` (as the reference backend): nodes
in topological order, fan-in summed left to right in edge order. Cycles, Delay, CubaLIF and
other nodes without an ONNX step here are refused by name.
"""

from __future__ import annotations

import os

import nir
import numpy as np
import onnx
from onnx import helper

from snn2hw.atomic import atomic_path
from snn2hw.backend import Issue
from snn2hw.errors import BadInputError, UnsupportedError
from snn2hw.ir.capabilities import unsupported
from snn2hw.ir.discretize import resolve_dt
from snn2hw.ir.graph import Schedule, schedule
from snn2hw.ir.graph_utils import graph_input_shape

from . import protocol
from .builder import GraphBuilder, tensor_info
from .neurons import NEURONS, NeuronState, emit_neuron
from .ops import STATELESS


def check_graph(graph: nir.NIRGraph) -> list[Issue]:
    """Every reason ``graph`` cannot be exported (empty when it can)."""
    issues = unsupported(graph, "onnx")
    try:
        sched = schedule(graph)
    except UnsupportedError as exc:
        return issues + [Issue("graph", str(exc))]
    issues += [
        Issue(dst, f"recurrent edge from '{src}' (cycles are not supported)")
        for dst, sources in sched.recurrent_inputs.items() for src in sources
    ]
    return issues


def export_onnx(graph: nir.NIRGraph, dt: float | None = None) -> onnx.ModelProto:
    """One step of ``graph`` as a checked ONNX model; raises UnsupportedError naming the
    nodes it cannot express."""
    issues = check_graph(graph)
    if issues:
        raise UnsupportedError("cannot export to ONNX: " + "; ".join(map(str, issues)))
    step = resolve_dt(graph, dt)
    sched = schedule(graph)
    reserved = {protocol.INPUT, protocol.OUTPUT}
    reserved |= {f(n) for n in graph.nodes for f in (protocol.state, protocol.next_state,
                                                     protocol.spikes, protocol.initial_state)}
    b = GraphBuilder(reserved)
    values, states = _emit_nodes(b, graph, sched, step)
    b.op("Identity", [values[sched.output_name]], "output", output=protocol.OUTPUT)
    model = _assemble(b, graph, states, step)
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise UnsupportedError(f"the ONNX step is inconsistent: {exc}") from exc
    return model


def _emit_nodes(b: GraphBuilder, graph: nir.NIRGraph, sched: Schedule, dt: float
                ) -> tuple[dict[str, str], list[NeuronState]]:
    values, states = {sched.input_name: protocol.INPUT}, []
    for name in sched.order:
        if name == sched.input_name:
            continue
        sources = sched.forward_inputs[name]
        if not sources:
            raise UnsupportedError(f"node '{name}' has no input edge")
        x = b.add_all([values[s] for s in sources], f"{name}/in")
        node = graph.nodes[name]
        if isinstance(node, NEURONS):
            values[name], state = emit_neuron(b, name, node, x, dt)
            states.append(state)
        elif isinstance(node, nir.Output):
            values[name] = x
        else:
            values[name] = STATELESS[type(node)](b, name, node, x)
    return values, states


def _assemble(b: GraphBuilder, graph: nir.NIRGraph, states: list[NeuronState], dt: float
              ) -> onnx.ModelProto:
    inputs = [tensor_info(protocol.INPUT, graph_input_shape(graph))]
    inputs += [tensor_info(protocol.state(s.node), s.shape) for s in states]
    outputs = [_output_info(graph)]
    outputs += [tensor_info(protocol.spikes(s.node), s.shape) for s in states if s.spiking]
    outputs += [tensor_info(protocol.next_state(s.node), s.shape) for s in states]
    for s in states:
        b.const(s.node, s.v_init, output=protocol.initial_state(s.node))
    onnx_graph = helper.make_graph(b.nodes, "snn2hw_step", inputs, outputs, b.initializers)
    model = helper.make_model(
        onnx_graph, opset_imports=[helper.make_opsetid("", protocol.OPSET)],
        producer_name="snn2hw", doc_string=protocol.doc_string([s.node for s in states], dt),
    )
    model.ir_version = protocol.IR_VERSION
    helper.set_model_props(model, protocol.encode_metadata(graph, dt))
    return model


def _output_info(graph: nir.NIRGraph) -> onnx.ValueInfoProto:
    """``y``: shaped like the NIR Output node when its type is known."""
    node = next(n for n in graph.nodes.values() if isinstance(n, nir.Output))
    shape = (node.input_type or {}).get("input")
    if shape is None or not np.size(shape):
        return helper.make_tensor_value_info(protocol.OUTPUT, onnx.TensorProto.FLOAT, None)
    return tensor_info(protocol.OUTPUT, tuple(int(s) for s in np.atleast_1d(shape)))


def save_onnx(model: onnx.ModelProto, path: str | os.PathLike) -> None:
    """Write ``model`` atomically: on any failure no (partial) file is left."""
    try:
        with atomic_path(path) as tmp:
            tmp.write_bytes(model.SerializeToString())
    except OSError as exc:
        raise BadInputError(f"{path}: cannot write ONNX model ({exc})") from exc
