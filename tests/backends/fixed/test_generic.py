"""Generic mode: integer simulation of generic-quantised graphs, exact against independent
models."""

from __future__ import annotations

import nir
import numpy as np
import pytest
import torch

from snn2hw.backend import RunConfig
from snn2hw.backends.fixed import FixedBackend
from snn2hw.backends.reference import simulate
from snn2hw.errors import ConstraintError
from snn2hw.ir.io import read_graph, write_graph
from snn2hw.passes.quantize_generic import GenericFormat, quantize_generic

from . import graphs


def run_fixed(graph, x, **extra):
    backend = FixedBackend()
    backend.compile(graph, RunConfig(record=True, extra={"mode": "generic", **extra}))
    return backend, backend.run(x)


def reference_on(q, x):
    return simulate(q, x, dtype=torch.float64, record=True)


@pytest.mark.parametrize("build", [
    lambda rng: graphs.mlp(rng, v_init=True),
    lambda rng: graphs.cnn(rng),
    lambda rng: graphs.cnn(rng, pool=nir.AvgPool2d),
    lambda rng: graphs.sew_block(rng),
], ids=["mlp_imp", "cnn_sumpool", "cnn_avgpool", "sew"])
@pytest.mark.parametrize("granularity", ["layer", "channel"])
def test_if_graphs_equal_reference_on_quantised_graph_spike_by_spike(build, granularity):
    """With IF neurons (no decay rounding) and wide states, the integer simulation is the
    fake-quantised float model exactly: every spike of every neuron at every step."""
    rng = np.random.default_rng(1)
    g = build(rng)
    x = graphs.digits_like(rng, shape=(64,) if "fc0" in g.nodes else (1, 8, 8))
    q = quantize_generic(g, GenericFormat(weight_bits=4, granularity=granularity))
    _, fixed = run_fixed(q, x)
    ref = reference_on(q, x)
    neurons = [n for n, v in q.nodes.items() if isinstance(v, nir.IF)]
    assert sum(fixed.records[n].sum() for n in neurons) > 0  # the comparison sees spikes
    for n in neurons:
        np.testing.assert_array_equal(fixed.records[n], ref.records[n], err_msg=n)
    np.testing.assert_allclose(fixed.output, ref.output, rtol=1e-9, atol=1e-9)


def oracle_lif(x_int, decay, bias, vth, v0, bits, state_max):
    """One neuron in plain Python integers: nearest rounding of the decay product, saturation."""
    v, spikes, potentials = v0, [], []
    for x in x_int:
        prod = v * decay
        v = (abs(prod) + (1 << (bits - 1))) >> bits
        v = (v if prod >= 0 else -v) + x + bias
        v = max(-state_max, min(state_max, v))
        spikes.append(int(v > vth))
        v = 0 if v > vth else v
        potentials.append(v)
    return spikes, potentials


def test_lif_mlp_matches_integer_oracle():
    rng = np.random.default_rng(2)
    g = graphs.mlp(rng, sizes=(64, 16, 10), neuron=graphs.lif_node, v_init=True)
    x = graphs.digits_like(rng, steps=8)
    x = x.reshape(8, 3, 64)
    fmt = GenericFormat(weight_bits=6, decay_bits=8, state_bits=16)
    q = quantize_generic(g, fmt)
    _, fixed = run_fixed(q, x)
    fc = q.nodes["fc0"]
    drive = np.einsum("oi,tbi->tbo", fc.weight, x) + fc.metadata["snn2hw.quant.bias"]
    meta = q.nodes["n0"].metadata
    for b in range(3):
        for j in range(16):
            p = {k: int(meta[f"snn2hw.quant.{k}"][j]) for k in ("decay", "bias", "vth", "v_init")}
            spikes, pots = oracle_lif(drive[:, b, j].astype(int).tolist(), p["decay"], p["bias"],
                                      p["vth"], p["v_init"], 8, fmt.state_max)
            assert fixed.records["n0"][:, b, j].tolist() == spikes
            assert fixed.records["n0.v"][:, b, j].tolist() == pots


def test_saturation_is_counted_and_bounded():
    rng = np.random.default_rng(3)
    g = graphs.mlp(rng, sizes=(64, 16, 10))
    for node in g.nodes.values():
        if isinstance(node, nir.IF):
            node.v_threshold = np.full(16, 1e6)  # never fires: v grows until it saturates
    fmt = GenericFormat(weight_bits=8, state_bits=10)
    backend, result = run_fixed(quantize_generic(g, fmt), graphs.digits_like(rng).reshape(6, 3, 64))
    assert np.abs(result.records["n0.v"]).max() == fmt.state_max
    assert backend.report().events["n0"]["state_saturation"] > 0


def test_wrap_mode_counts_overflow():
    rng = np.random.default_rng(3)
    g = graphs.mlp(rng, sizes=(64, 16, 10))
    g.nodes["n0"].v_threshold = np.full(16, 1e6)
    fmt = GenericFormat(weight_bits=8, state_bits=10, saturate=False)
    backend, result = run_fixed(quantize_generic(g, fmt), graphs.digits_like(rng).reshape(6, 3, 64))
    assert np.abs(result.records["n0.v"]).max() <= fmt.state_max + 1
    assert backend.report().events["n0"]["state_overflow"] > 0


def test_soft_reset_subtracts_threshold():
    g = graphs.graph({"fc": nir.Linear(weight=np.eye(2)),
                      "n": graphs.if_node(2, 1.5, reset="subtract")},
                     graphs.chain_edges(["fc", "n"]), [2], [2])
    q = quantize_generic(g, GenericFormat(weight_bits=4))  # w -> 7 steps of 1/7: vth 10, v_sub 11
    _, fixed = run_fixed(q, np.ones((5, 1, 2)))
    assert fixed.records["n"][:, 0, 0].tolist() == [0, 1, 0, 1, 1]
    assert fixed.records["n.v"][:, 0, 0].tolist() == [7, 3, 10, 6, 2]


def test_float_graph_is_quantised_on_compile_with_config_options():
    rng = np.random.default_rng(4)
    g = graphs.mlp(rng)
    x = graphs.digits_like(rng).reshape(6, 3, 64)
    _, direct = run_fixed(quantize_generic(g, GenericFormat(weight_bits=3)), x)
    _, on_compile = run_fixed(g, x, weight_bits=3)
    np.testing.assert_array_equal(direct.output, on_compile.output)


def test_quantised_graph_survives_a_file_round_trip(tmp_path):
    rng = np.random.default_rng(5)
    q = quantize_generic(graphs.cnn(rng), GenericFormat(weight_bits=5, granularity="channel"))
    write_graph(q, tmp_path / "q.nir")
    write_graph(quantize_generic(graphs.mlp(rng), GenericFormat()), tmp_path / "mlp.nir")
    x = graphs.digits_like(rng)
    _, before = run_fixed(q, x)
    _, after = run_fixed(read_graph(tmp_path / "q.nir"), x)
    np.testing.assert_array_equal(before.output, after.output)


def test_unquantised_weights_in_a_quantised_graph_are_refused():
    rng = np.random.default_rng(6)
    q = quantize_generic(graphs.mlp(rng), GenericFormat())
    q.nodes["fc0"].weight = q.nodes["fc0"].weight + 0.5
    with pytest.raises(ConstraintError, match="not integers"):
        FixedBackend().compile(q, RunConfig())


def test_leaky_integrator_readout_stays_within_its_rounding_bound():
    """LI readout (decay 3/4): each step rounds the decay product by at most half a unit, so the
    dequantised output stays within 0.5 / (1 - 3/4) = 2 units of the fake-quantised float model."""
    rng = np.random.default_rng(8)
    g = graphs.mlp(rng, sizes=(64, 32, 10))
    g.nodes["li"] = nir.LI(tau=np.full(10, 4.0), r=np.ones(10), v_leak=np.zeros(10))
    g.edges = [e for e in g.edges if e != ("fc1", "output")] + [("fc1", "li"), ("li", "output")]
    x = graphs.digits_like(rng, steps=8).reshape(8, 3, 64)
    q = quantize_generic(g, GenericFormat(weight_bits=8, decay_bits=12))
    _, fixed = run_fixed(q, x)
    reference = reference_on(q, x)
    np.testing.assert_array_equal(fixed.records["n0"], reference.records["n0"])
    unit = q.nodes["output"].metadata["snn2hw.quant.unit"]
    error = np.abs(fixed.output - reference.output)
    assert np.all(error <= 2 * unit + 1e-12) and error.max() > 0
