"""The NIR paper's graphs, produced by other tools, on the reference backend."""

from __future__ import annotations

import json

import numpy as np
import torch

from snn2hw.backend import RunConfig
from snn2hw.backends.reference import simulate
from snn2hw.ir.io import read_graph
from snn2hw.registry import create_backend
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


def test_cnn_sinabs_gives_the_same_spikes_on_onnx(nir_paper):
    """A graph from another tool, spike for spike: the reference in float64 and the ONNX
    backend (onnxruntime, float32) agree in every population at every step (measured: 0
    differences; rates 2.5-17 %)."""
    graph = read_graph(nir_paper / "02_cnn" / "cnn_sinabs.nir")
    x = (np.random.default_rng(0).random((8, 2, 2, 34, 34)) < 0.2).astype(np.float32)
    runs = {}
    for name, dtype in (("reference", "float64"), ("onnx", "float32")):
        backend = create_backend(name)
        backend.compile(graph, RunConfig(dt=1.0, dtype=dtype, record=True))
        runs[name] = backend.run(x).records
    populations = ["1", "3", "6", "10", "12"]  # the IF nodes
    for node in populations:
        assert 0 < runs["reference"][node].mean() < 0.5, node
        np.testing.assert_array_equal(runs["onnx"][node], runs["reference"][node], err_msg=node)


def _snntorch_braille(graph, params: dict, x: np.ndarray) -> tuple[np.ndarray, ...]:
    """snnTorch's recurrent synaptic neurons written out (float64): per layer ``syn = alpha *
    syn + input``, ``mem = beta * mem + syn``, fire ``mem > 1``, reset to 0 in the same step.
    The recurrent Affine's output reaches the hidden layer one step later (zero at step 0), as
    snn2hw runs a back edge."""
    w = {k: (graph.nodes[k].weight.astype(np.float64), graph.nodes[k].bias.astype(np.float64))
         for k in ("fc1", "lif1.w_rec", "fc2")}
    batch = x.shape[1]
    syn1, mem1, syn2, mem2 = (np.zeros((batch, n)) for n in (38, 38, 7, 7))
    rec = np.zeros((batch, 38))
    hidden, out, potentials = [], [], []
    for x_t in x:
        syn1 = params["alpha_r"] * syn1 + x_t @ w["fc1"][0].T + w["fc1"][1] + rec
        mem1 = params["beta_r"] * mem1 + syn1
        s1 = (mem1 > 1.0).astype(np.float64)
        mem1 = np.where(s1 > 0, 0.0, mem1)
        rec = s1 @ w["lif1.w_rec"][0].T + w["lif1.w_rec"][1]
        syn2 = params["alpha_out"] * syn2 + s1 @ w["fc2"][0].T + w["fc2"][1]
        mem2 = params["beta_out"] * mem2 + syn2
        s2 = (mem2 > 1.0).astype(np.float64)
        mem2 = np.where(s2 > 0, 0.0, mem2)
        hidden.append(s1), out.append(s2), potentials.append(mem1)
    return np.array(hidden), np.array(out), np.array(potentials)


def test_braille_recurrent_graph_matches_snntorch_dynamics(nir_paper):
    """CubaLIF with a recurrent Affine (a cycle): at dt = 1e-4 the Euler factors equal the
    snnTorch training parameters stored beside the graph, and on 256 steps of random input the
    reference gives every spike of snnTorch's equations (hidden rate 0.27 %, output 33 %).
    The simulators' recorded activities cannot be replayed (their input is not published)."""
    folder = nir_paper / "03_rnn"
    graph = read_graph(folder / "braille_noDelay_bias_zero.nir")
    params = json.loads((folder / "parameters_noDelay_bias_ref_zero.json").read_text())
    lif = graph.nodes["lif1.lif"]
    np.testing.assert_allclose(1 - 1e-4 / lif.tau_syn, params["alpha_r"], **TOL["braille_factors"])
    np.testing.assert_allclose(1 - 1e-4 / lif.tau_mem, params["beta_r"], **TOL["braille_factors"])
    rng = np.random.default_rng(1)
    x = (rng.random((256, 4, 12)) < 0.3).astype(np.float64)
    result = simulate(graph, x, dt=1e-4, record=True, dtype=torch.float64)
    hidden, out, potentials = _snntorch_braille(graph, params, x)
    assert 0 < hidden.mean() < 0.05 and 0.1 < out.mean() < 0.9
    np.testing.assert_array_equal(result.records["lif1.lif"], hidden)
    np.testing.assert_array_equal(result.output, out)
    np.testing.assert_allclose(result.records["lif1.lif.v"], potentials, **TOL["braille_snntorch"])
