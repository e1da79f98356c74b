"""The one place where NIR's continuous-time neuron parameters become per-step factors and back.

NIR neurons are ODEs without a time step. snn2hw integrates them with forward Euler at step
``dt`` (stored in graph metadata as ``snn2hw.dt``):

- LIF/LI:  ``v <- v + dt/tau * (v_leak - v + r * x)``  =  ``decay * v + gain * x + bias``
- IF/I:    ``v <- v + dt * r * x``
- CubaLIF/CubaLI: ``i <- i + dt/tau_syn * (w_in * x - i)`` first, then the LIF update
  driven by ``i``.

With SpikingJelly's conventions (``tau`` in steps, ``decay_input``), the exact correspondence at any
``dt`` is IF -> ``IF(r=1/dt)`` and LIF -> ``LIF(tau=tau*dt, r=1 if decay_input else tau,
v_leak=v_reset)`` (the same mapping spikingjelly's own NIR exporter uses).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import nir
import numpy as np

from snn2hw.defaults import DEFAULT_DT
from snn2hw.errors import BadInputError, Snn2hwWarning
from snn2hw.ir.capabilities import STATEFUL
from snn2hw.ir.metadata import DT, graph_value

_TIMED = STATEFUL  # nodes whose NIR parameters are continuous in time


@dataclass(frozen=True)
class StepCoefficients:
    """Per-step update ``v <- decay * v + gain * x + bias`` (arrays of the neuron shape)."""

    decay: np.ndarray
    gain: np.ndarray
    bias: np.ndarray


@dataclass(frozen=True)
class SynapseCoefficients:
    """Per-step synaptic current update ``i <- decay * i + gain * x``."""

    decay: np.ndarray
    gain: np.ndarray


def _arr(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def membrane_step(node: nir.NIRNode, dt: float) -> StepCoefficients:
    """Per-step membrane coefficients of an IF, I, LIF, LI, CubaLIF or CubaLI node."""
    if isinstance(node, (nir.IF, nir.I)):
        r = _arr(node.r)
        return StepCoefficients(np.ones_like(r), dt * r, np.zeros_like(r))
    if isinstance(node, (nir.LIF, nir.LI)):
        tau, r, leak = _arr(node.tau), _arr(node.r), _arr(node.v_leak)
    elif isinstance(node, (nir.CubaLIF, nir.CubaLI)):
        tau, r, leak = _arr(node.tau_mem), _arr(node.r), _arr(node.v_leak)
    else:
        raise TypeError(f"not a neuron node: {type(node).__name__}")
    k = dt / tau
    return StepCoefficients(1.0 - k, k * r, k * leak)


def synapse_step(node: nir.NIRNode, dt: float) -> SynapseCoefficients:
    """Per-step synaptic-current coefficients of a CubaLIF or CubaLI node."""
    k = dt / _arr(node.tau_syn)
    return SynapseCoefficients(1.0 - k, k * _arr(node.w_in))


def if_to_nir(v_threshold: np.ndarray, v_reset: np.ndarray, dt: float) -> nir.IF:
    """SpikingJelly IF (``v <- v + x``) as NIR IF, exact under Euler at ``dt``."""
    shape = np.shape(v_threshold)
    r = np.broadcast_to(np.float64(1.0 / dt), shape)
    return nir.IF(r=r, v_threshold=_arr(v_threshold), v_reset=_arr(v_reset))


def lif_to_nir(
    tau: np.ndarray, decay_input: bool, v_threshold: np.ndarray, v_reset: np.ndarray, dt: float
) -> nir.LIF:
    """SpikingJelly LIF (``v <- v + (x - (v - v_reset)) / tau``) as NIR LIF, exact under Euler."""
    tau = _arr(tau)
    r = np.ones_like(tau) if decay_input else tau.copy()
    return nir.LIF(
        tau=tau * dt, r=r, v_leak=_arr(v_reset), v_threshold=_arr(v_threshold),
        v_reset=_arr(v_reset),
    )


def resolve_dt(graph: nir.NIRGraph, dt: float | None = None) -> float:
    """The step to use: the caller's, else the graph's ``snn2hw.dt``, else the import default."""
    if dt is not None:
        if not dt > 0:
            raise BadInputError(f"dt must be positive, got {dt}")
        return float(dt)
    stored = graph_value(graph, DT)
    if stored is not None:
        return float(stored)
    if any(isinstance(node, _TIMED) for node in graph.nodes.values()):
        warnings.warn(
            f"the graph stores no time step; assuming dt = {DEFAULT_DT} s (the NIR paper's "
            "convention; pass --dt to choose)", Snn2hwWarning, stacklevel=2,
        )
    return DEFAULT_DT
