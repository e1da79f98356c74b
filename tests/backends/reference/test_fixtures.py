"""The NIR paper's graphs, produced by other tools, on the reference backend."""

from __future__ import annotations

import numpy as np
import torch
from snn2hw.backends.reference import simulate

from snn2hw.ir.io import read_graph
from tests.tolerances import TOL


def test_lif_norse_reproduces_norse_trace(nir_paper):
    lif = nir_paper / "01_lif"
    graph = read_graph(lif / "lif_norse.nir")
    x = np.loadtxt(lif / "lif_input.csv").reshape(-1, 1, 1)
    norse = np.loadtxt(lif / "lif_norse.csv", delimiter=",")  # input, voltage, spike
    result = simulate(graph, x, dt=1e-4, record=True, dtype=torch.float64)
    spikes = result.output[:, 0, 0]
    np.testing.assert_array_equal(np.nonzero(spikes)[0], np.nonzero(norse[:, 2])[0])
    assert np.nonzero(spikes)[0].tolist() == [460, 510, 710, 760]
    np.testing.assert_allclose(result.records["1.v"][:, 0, 0], norse[:, 1], **TOL["norse_trace"])


def test_lif_matches_lava_float_trace_up_to_its_dense_delay(nir_paper):
    """Lava's Dense delays by one step; otherwise the float LIF is the same Euler update."""
    lif = nir_paper / "01_lif"
    graph = read_graph(lif / "lif_norse.nir")
    x = np.loadtxt(lif / "lif_input.csv").reshape(-1, 1, 1)
    lava = np.loadtxt(lif / "lif_lava_cpu_float.csv", delimiter=",")
    result = simulate(graph, x, dt=1e-4, record=True, dtype=torch.float64)
    v = result.records["1.v"][:, 0, 0]
    np.testing.assert_allclose(v[:-1], lava[1:, 1], **TOL["lava_trace"])


def test_cnn_sinabs_runs_on_events_with_step_dt(nir_paper):
    """Sinabs measures time in steps (dt = 1): IF integrates the input unscaled."""
    graph = read_graph(nir_paper / "02_cnn" / "cnn_sinabs.nir")
    rng = np.random.default_rng(0)
    x = (rng.random((8, 2, 2, 34, 34)) < 0.2).astype(np.float32)
    result = simulate(graph, x, dt=1.0, record=True)
    assert result.output.shape == (8, 2, 10)
    assert result.records["1"].shape == (8, 2, 16, 16, 16)
    assert 0 < result.records["1"].mean() < 1  # the first layer fires, not everywhere
    assert set(np.unique(result.records["12"])) <= {0.0, 1.0}


def test_braille_recurrent_graph_matches_snntorch_dynamics(nir_paper):
    """CubaLIF with a recurrent Affine (a cycle): at dt = 1e-4 the Euler factors equal the
    snnTorch training parameters stored beside the graph (alpha 0.55, beta 0.9)."""
    graph = read_graph(nir_paper / "03_rnn" / "braille_noDelay_bias_zero.nir")
    lif = graph.nodes["lif1.lif"]
    np.testing.assert_allclose(1 - 1e-4 / lif.tau_syn, 0.55, atol=1e-5)
    np.testing.assert_allclose(1 - 1e-4 / lif.tau_mem, 0.9, atol=1e-5)
    rng = np.random.default_rng(1)
    x = (rng.random((40, 3, 12)) < 0.3).astype(np.float32)
    result = simulate(graph, x, dt=1e-4, record=True)
    assert result.output.shape == (40, 3, 7)
    assert result.records["lif1.lif"].sum() > 0
