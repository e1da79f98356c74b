"""I, LI, CubaLI and CubaLIF on the reference backend against traces computed by hand (dt = 1,
time constants that are powers of two: every value below is exact in float64).

Euler at dt (snn2hw/ir/discretize.py): ``i <- i + dt/tau_syn * (w_in * x - i)`` first, then
``v <- v + dt/tau_mem * (v_leak - v + r * i)`` (LI/LIF: ``x`` in place of ``i``; I/IF:
``v <- v + dt * r * x``); spiking nodes fire when ``v > v_th`` and reset to ``v_reset``.
"""

from __future__ import annotations

import nir
import numpy as np
import pytest
import torch

from snn2hw.backends.reference import simulate
from snn2hw.ir.metadata import DT

ONE = np.ones(1)


def _run(node: nir.NIRNode, x: list[float]):
    nodes = {"input": nir.Input(np.array([1])), "n": node, "output": nir.Output(np.array([1]))}
    graph = nir.NIRGraph(nodes=nodes, edges=[("input", "n"), ("n", "output")],
                         metadata={DT: 1.0})
    inputs = np.asarray(x, dtype=np.float64).reshape(-1, 1, 1)
    result = simulate(graph, inputs, dt=1.0, record=True, dtype=torch.float64)
    return result.output[:, 0, 0], result.records["n.v"][:, 0, 0]


def test_integrator():
    """r = 2: v = 2, 3, 1, 1."""
    out, _ = _run(nir.I(r=2 * ONE), [1.0, 0.5, -1.0, 0.0])
    assert out.tolist() == [2.0, 3.0, 1.0, 1.0]


def test_leaky_integrator_with_leak_potential():
    """tau = 2, v_leak = 0.5: v = 0.5 * (0.5 + 1) = 0.75; 0.75 + 0.5 * (0.5 - 0.75 + 1) = 1.125;
    1.125 + 0.5 * (0.5 - 1.125) = 0.8125; 0.8125 + 0.5 * (0.5 - 0.8125) = 0.65625."""
    out, _ = _run(nir.LI(tau=2 * ONE, r=ONE, v_leak=0.5 * ONE), [1.0, 1.0, 0.0, 0.0])
    assert out.tolist() == [0.75, 1.125, 0.8125, 0.65625]


def test_current_based_leaky_integrator():
    """tau_syn = 2, w_in = 2, tau_mem = 4, one input at step 0: i = 1, 0.5, 0.25, 0.125 (the
    synaptic current decays by half each step); v = 0.25, 0.25 + (0.5 - 0.25) / 4 = 0.3125,
    0.3125 + (0.25 - 0.3125) / 4 = 0.296875, 0.296875 + (0.125 - 0.296875) / 4 = 0.25390625."""
    node = nir.CubaLI(tau_syn=2 * ONE, tau_mem=4 * ONE, r=ONE, v_leak=0 * ONE, w_in=2 * ONE)
    out, _ = _run(node, [1.0, 0.0, 0.0, 0.0])
    assert out.tolist() == [0.25, 0.3125, 0.296875, 0.25390625]


def test_current_based_lif_fires_and_resets():
    """tau_syn = tau_mem = 2, v_th = 0.3, w_in = r = 1:
    t0: i = 0.5,     v = 0.25                         (silent)
    t1: i = 0.75,    v = 0.25 + (0.75 - 0.25) / 2 = 0.5 (fires, v -> 0)
    t2: i = 0.375,   v = 0.1875                        (the current outlives the spike)
    t3: i = 0.1875,  v = 0.1875
    t4: i = 0.59375, v = 0.1875 + (0.59375 - 0.1875) / 2 = 0.390625 (fires)."""
    node = nir.CubaLIF(tau_syn=2 * ONE, tau_mem=2 * ONE, r=ONE, v_leak=0 * ONE,
                       v_threshold=0.3 * ONE, v_reset=0 * ONE, w_in=ONE)
    spikes, v = _run(node, [1.0, 1.0, 0.0, 0.0, 1.0])
    assert spikes.tolist() == [0, 1, 0, 0, 1]
    assert v.tolist() == [0.25, 0.0, 0.1875, 0.1875, 0.0]


@pytest.mark.parametrize("v_reset", [0.0, -0.25])
def test_current_based_lif_resets_to_v_reset(v_reset):
    """A large input fires at t0 (i = 2, v = 1 > 0.3) and v becomes v_reset."""
    node = nir.CubaLIF(tau_syn=2 * ONE, tau_mem=2 * ONE, r=ONE, v_leak=0 * ONE,
                       v_threshold=0.3 * ONE, v_reset=v_reset * ONE, w_in=ONE)
    spikes, v = _run(node, [4.0])
    assert spikes.tolist() == [1] and v.tolist() == [v_reset]
