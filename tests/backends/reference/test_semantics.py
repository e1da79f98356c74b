"""Neuron and graph semantics of the reference backend against values computed by hand."""

from __future__ import annotations

import warnings

import nir
import numpy as np
import pytest
import torch

from snn2hw.backend import RunConfig
from snn2hw.backends.reference import ReferenceBackend, Simulator, simulate
from snn2hw.errors import BadInputError, ConstraintError
from snn2hw.ir.metadata import DT, RESET, V_INIT

from .graphs import chain, identity_affine, if_node


def run(graph, x, **kw):
    return simulate(graph, np.asarray(x, dtype=np.float64), dtype=torch.float64, **kw)


def test_if_hard_reset_sequence():
    # v: 0.6, 1.2 -> spike, reset 0; 0.6, 1.2 -> spike
    g = chain(("a", identity_affine(1)), ("n", if_node(1)), n_in=1)
    out = run(g, np.full((4, 1, 1), 0.6), record=True)
    assert out.output[:, 0, 0].tolist() == [0, 1, 0, 1]
    np.testing.assert_allclose(out.records["n.v"][:, 0, 0], [0.6, 0, 0.6, 0])


def test_if_initial_potential_from_metadata_restarts_every_run():
    # IMP 0.5: v = 1.1 at t0 -> spike. Same batch twice: same answer (state restarts).
    neuron = if_node(2, **{V_INIT: np.array([0.5, 0.0])})
    g = chain(("a", identity_affine(2)), ("n", neuron), n_in=2)
    x = np.full((3, 1, 2), 0.6)
    first, second = run(g, x), run(g, x)
    assert first.output[:, 0, :].tolist() == [[1, 0], [0, 1], [1, 0]]
    np.testing.assert_array_equal(first.output, second.output)


def test_subtract_reset_keeps_the_excess():
    # v: 0.7; 1.4 -> spike, 0.4; 1.1 -> spike, 0.1; 0.8
    g = chain(("a", identity_affine(1)), ("n", if_node(1, **{RESET: "subtract"})), n_in=1)
    out = run(g, np.full((4, 1, 1), 0.7), record=True)
    assert out.output[:, 0, 0].tolist() == [0, 1, 1, 0]
    np.testing.assert_allclose(out.records["n.v"][:, 0, 0], [0.7, 0.4, 0.1, 0.8], atol=1e-12)


def test_threshold_is_strict_and_reset_goes_to_v_reset():
    # Input 1.0 exactly reaches v_th = 1.0: NIR fires only above threshold.
    g = chain(("a", identity_affine(1)), ("n", if_node(1, v_reset=-0.5)), n_in=1)
    out = run(g, np.full((3, 1, 1), 1.0), record=True)
    assert out.output[:, 0, 0].tolist() == [0, 1, 0]
    np.testing.assert_allclose(out.records["n.v"][:, 0, 0], [1.0, -0.5, 0.5])


def test_lif_euler_with_dt_from_metadata():
    # tau = 2 dt, r = 1: v <- v + 0.5 * (0 - v + x); x = 1: 0.5, 0.75, 0.875 (th 0.8 -> spike)
    lif = nir.LIF(tau=np.array([2e-3]), r=np.ones(1), v_leak=np.zeros(1),
                  v_threshold=np.array([0.8]), v_reset=np.zeros(1))
    g = chain(("a", identity_affine(1)), ("n", lif), n_in=1, metadata={DT: 1e-3})
    out = run(g, np.ones((4, 1, 1)), record=True)
    assert out.output[:, 0, 0].tolist() == [0, 0, 1, 0]
    np.testing.assert_allclose(out.records["n.v"][:, 0, 0], [0.5, 0.75, 0.0, 0.5])


def test_fan_in_is_summed():
    nodes = {
        "input": nir.Input(np.array([1])),
        "a": nir.Linear(weight=np.array([[1.0]])),
        "b": nir.Linear(weight=np.array([[2.0]])),
        "sum": nir.Scale(scale=np.array([1.0])),
        "output": nir.Output(np.array([1])),
    }
    edges = [("input", "a"), ("input", "b"), ("a", "sum"), ("b", "sum"), ("sum", "output")]
    out = run(nir.NIRGraph(nodes, edges), np.ones((2, 1, 1)))
    np.testing.assert_allclose(out.output[:, 0, 0], [3.0, 3.0])


def test_recurrent_edge_carries_previous_step():
    # An integrator fed back through w = 0.5: the loop sees the previous step's value.
    nodes = {
        "input": nir.Input(np.array([1])),
        "li": nir.I(r=np.ones(1)),
        "rec": nir.Linear(weight=np.array([[0.5]])),
        "output": nir.Output(np.array([1])),
    }
    # I with dt=1: v <- v + x_total, where x_total = input + 0.5 * v_{t-1}
    edges = [("input", "li"), ("li", "rec"), ("rec", "li"), ("li", "output")]
    out = run(nir.NIRGraph(nodes, edges), np.array([1.0, 0, 0]).reshape(3, 1, 1), dt=1.0)
    # t0: v=1; t1: v = 1 + 0.5*1 = 1.5; t2: v = 1.5 + 0.75 = 2.25
    np.testing.assert_allclose(out.output[:, 0, 0], [1.0, 1.5, 2.25])


def test_delay_shifts_per_element():
    delay = nir.Delay(delay=np.array([0.0, 2.0]))
    g = chain(("d", delay), n_in=2)
    x = np.arange(1, 9, dtype=float).reshape(4, 1, 2)  # [[1,2],[3,4],[5,6],[7,8]]
    out = run(g, x, dt=1.0)
    np.testing.assert_allclose(out.output[:, 0, :], [[1, 0], [3, 0], [5, 2], [7, 4]])


def test_input_shape_mismatch_is_bad_input():
    g = chain(("a", identity_affine(3)), n_in=3)
    with pytest.raises(BadInputError, match=r"expected \[T, B, 3\]"):
        run(g, np.zeros((2, 1, 4)))


def test_backend_check_lists_every_unsupported_node():
    class Strange(nir.Scale):
        pass

    g = chain(("x", Strange(scale=np.ones(2))), ("y", Strange(scale=np.ones(2))), n_in=2)
    backend = ReferenceBackend()
    issues = backend.check(g, RunConfig())
    assert [i.node for i in issues] == ["x", "y"]
    with pytest.raises(ConstraintError):
        backend.compile(g, RunConfig())


def test_a_read_only_broadcast_input_runs_without_a_warning():
    graph = chain(("fc", identity_affine(2)), n_in=2)
    x = np.broadcast_to(np.ones((1, 3, 2), np.float32), (4, 3, 2))  # read-only, stride 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = Simulator(graph).run(x).output
    np.testing.assert_array_equal(out, np.ones((4, 3, 2)))
