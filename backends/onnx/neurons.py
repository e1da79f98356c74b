"""NIR neuron nodes (IF, LIF, I, LI) as one ONNX step with explicit membrane state.

Charge ``v = decay * v + gain * x (+ bias)`` with the factors of :mod:`snn2hw.ir.discretize`,
fire ``s = v > v_threshold``, reset ``v = v_reset`` (or ``v - v_threshold`` for
``snn2hw.reset = subtract``). Factors equal to 1 (IF's decay) are skipped and zero biases left
out, exactly as the reference backend does, so float32 results agree bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import nir
import numpy as np
from onnx import TensorProto

from snn2hw.ir import capabilities as caps
from snn2hw.ir import discretize, metadata

from . import protocol
from .builder import GraphBuilder, is_uniform

NEURONS = caps.types(caps.NEURON, target="onnx")
SPIKING = caps.types(caps.NEURON, spiking=True, target="onnx")


@dataclass(frozen=True)
class NeuronState:
    """One neuron node's state tensors and initial potential ``[*shape]``."""

    node: str
    shape: tuple[int, ...]
    v_init: np.ndarray
    spiking: bool


def neuron_shape(node: nir.NIRNode) -> tuple[int, ...]:
    """The population's shape: its input type, else its parameters' shape."""
    shape = node.input_type.get("input") if node.input_type else None
    if shape is not None and np.size(shape):
        return tuple(int(s) for s in np.atleast_1d(shape))
    params = [node.tau if hasattr(node, "tau") else node.r]
    if isinstance(node, SPIKING):
        params.append(node.v_threshold)
    return tuple(np.broadcast_shapes(*(np.shape(p) for p in params)))


def initial_potential(node: nir.NIRNode, shape: tuple[int, ...]) -> np.ndarray:
    """``snn2hw.v_init`` broadcast to the population, zeros without it."""
    v0 = metadata.v_init(node)
    return np.zeros(shape) if v0 is None else np.broadcast_to(v0, shape).copy()


def emit_neuron(b: GraphBuilder, name: str, node: nir.NIRNode, x: str, dt: float
                ) -> tuple[str, NeuronState]:
    """Append one step of ``node`` driven by ``x``; returns its output tensor and state."""
    shape = neuron_shape(node)
    state = NeuronState(name, shape, initial_potential(node, shape), isinstance(node, SPIKING))
    coeffs = discretize.membrane_step(node, dt)
    v = _charge(b, name, protocol.state(name), x, coeffs)
    if not state.spiking:
        b.op("Identity", [v], name, output=protocol.next_state(name))
        return protocol.next_state(name), state
    return _fire(b, name, node, v), state


def _scaled(b: GraphBuilder, tensor: str, factor: np.ndarray, hint: str) -> str:
    if is_uniform(factor, 1.0):
        return tensor
    return b.op("Mul", [tensor, b.scalar_or_array(f"{hint}.factor", factor)], hint)


def _charge(b: GraphBuilder, name: str, v: str, x: str,
            coeffs: discretize.StepCoefficients) -> str:
    total = b.op("Add", [_scaled(b, v, coeffs.decay, f"{name}/leak"),
                         _scaled(b, x, coeffs.gain, f"{name}/drive")], f"{name}/charge")
    if is_uniform(coeffs.bias, 0.0):
        return total
    return b.op("Add", [total, b.scalar_or_array(f"{name}.bias", coeffs.bias)], f"{name}/biased")


def _fire(b: GraphBuilder, name: str, node: nir.NIRNode, v: str) -> str:
    v_th = b.scalar_or_array(f"{name}.v_threshold", node.v_threshold)
    fired = b.op("Greater", [v, v_th], f"{name}/fired")
    spikes = b.op("Cast", [fired], name, output=protocol.spikes(name), to=TensorProto.FLOAT)
    if metadata.reset_mode(node) == "subtract":
        drop = b.op("Mul", [spikes, v_th], f"{name}/drop")
        b.op("Sub", [v, drop], name, output=protocol.next_state(name))
    else:
        v_reset = node.v_reset if node.v_reset is not None else np.zeros_like(node.v_threshold)
        b.op("Where", [fired, b.scalar_or_array(f"{name}.v_reset", v_reset), v], name,
             output=protocol.next_state(name))
    return spikes
