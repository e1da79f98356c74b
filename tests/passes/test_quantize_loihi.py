"""quantize_loihi: integers within Loihi's formats, scales that reproduce the float model."""

from __future__ import annotations

import nir
import numpy as np
import pytest

from snn2hw.errors import UnsupportedError
from snn2hw.hw.loihi import LOIHI as FMT
from snn2hw.passes.fold_loihi import LOIHI, fold_loihi
from snn2hw.passes.quantize_loihi import quantize_loihi
from tests.backends.fixed import graphs as fixed_graphs
from tests.backends.lava import graphs


def test_weights_use_the_8_bit_grid_and_the_full_mantissa():
    q = quantize_loihi(graphs.mlp())
    w = q.nodes["fc1"].weight
    assert np.array_equal(w, np.rint(w)) and np.all(w % 2 == 0)  # mixed sign: even grid
    assert np.abs(w).max() == FMT.weight_max(mixed_sign=True)
    assert q.nodes["fc1"].metadata[LOIHI]["weight_exp"] == 0


def test_neuron_parameters_fit_their_bit_widths():
    q = quantize_loihi(graphs.mlp(v_init=True))
    p = q.nodes["lif1"].metadata[LOIHI]
    assert p["du"] == 4095 and 0 <= p["dv"] <= 4095 and 0 < p["vth"] <= FMT.vth_max
    assert np.abs(p["bias_mant"]).max() <= FMT.bias_mant_max
    assert p["dv"] == round(0.25 * 4096)  # tau = 4 steps
    unit = p["scale"] * FMT.v_unit
    # per-neuron thresholds are folded: v_init is scaled by vth / v_threshold_i
    graph = graphs.mlp(v_init=True)
    v0, v_th = graph.nodes["lif1"].metadata["snn2hw.v_init"], graph.nodes["lif1"].v_threshold
    np.testing.assert_array_equal(p["v_init"], np.rint(v0 * v_th.max() / v_th * unit))


def test_a_fixed_scale_uses_a_weight_exponent_when_weights_exceed_the_mantissa():
    q = quantize_loihi(graphs.mlp(), scale=256.0)
    weight_exp = q.nodes["fc1"].metadata[LOIHI]["weight_exp"]
    assert weight_exp > 0
    assert np.abs(q.nodes["fc1"].weight).max() <= FMT.weight_max(mixed_sign=True)


def test_refuses_non_zero_reset():
    graph = graphs.mlp()
    graph.nodes["lif1"].v_reset = np.ones(32)
    with pytest.raises(UnsupportedError, match="lif1"):
        quantize_loihi(graph)


def test_a_large_bias_lowers_the_layer_scale_instead_of_failing():
    graph = graphs.mlp()
    graph.nodes["fc1"].bias = np.full(32, 40.0)  # 40x the largest weight (about 2.5)
    q = quantize_loihi(graph, input_scale=16.0)
    p = q.nodes["lif1"].metadata[LOIHI]
    bias = p["bias_mant"] * 2 ** p["bias_exp"]
    assert np.abs(bias).max() <= FMT.bias_max and p["bias_exp"] == FMT.bias_exp_max
    folded = fold_loihi(graph).nodes["lif1"].metadata[LOIHI]["bias_mant"]
    # two roundings: to membrane units (<= 0.5), then to the mantissa grid (<= 2^(exp - 1))
    error = np.abs(bias - folded * p["scale"] * FMT.v_unit)
    assert error.max() <= 0.5 + 2 ** (p["bias_exp"] - 1)
    assert np.abs(q.nodes["fc1"].weight).max() < FMT.weight_max(mixed_sign=True)


@pytest.mark.parametrize("pool", [nir.SumPool2d, nir.AvgPool2d])
def test_pools_keep_unit_weights_so_the_next_layer_scale_does_not_grow(pool):
    graph = fixed_graphs.cnn(np.random.default_rng(3), pool=pool)
    q = quantize_loihi(graph)
    assert np.all(q.nodes["pool"].weight == 1)
    # pooled spikes are small integers (0..area): the next layer's scale is a spike-fed one
    area = 4 if pool is nir.SumPool2d else 1
    assert q.nodes["pool"].metadata[LOIHI]["scale_out"] == 4 / area
    conv1 = q.nodes["conv1"]
    assert np.abs(conv1.weight).max() == FMT.weight_max(mixed_sign=True)
    rows = np.abs(conv1.weight).reshape(len(conv1.weight), -1).sum(axis=1)
    assert rows.max() * 4 < 2 ** (FMT.state_bits - 1 - FMT.activation_shift)  # no current wrap
    p = q.nodes["n1"].metadata[LOIHI]  # the bias did not lower the scale (weights above)
    assert 0 < np.abs(p["bias_mant"]).max() <= FMT.bias_mant_max


def _pool_into_neuron(after_conv: bool) -> nir.NIRGraph:
    """cnn with the pool feeding n1 directly: input-conv0-n0-pool-n1-... or input-conv0-pool-n1."""
    graph = fixed_graphs.cnn(np.random.default_rng(3))
    skip = ["conv1", "n0"] if after_conv else ["conv1"]
    for name in skip:
        del graph.nodes[name]
    graph.nodes["conv0"].bias = np.zeros(4)
    chain = ["input", "conv0", *([] if after_conv else ["n0"]), "pool", "n1", "flat", "fc"]
    chain.append("output")
    graph.edges = list(zip(chain[:-1], chain[1:]))
    return graph


def test_a_pool_of_spikes_feeding_a_neuron_uses_the_full_mantissa():
    q = quantize_loihi(_pool_into_neuron(after_conv=False))
    assert np.all(q.nodes["pool"].weight == FMT.weight_max(mixed_sign=False))


def test_a_pool_of_convolution_sums_feeding_a_neuron_keeps_unit_weights():
    q = quantize_loihi(_pool_into_neuron(after_conv=True), input_scale=16.0)
    assert np.all(q.nodes["pool"].weight == 1)
    conv0 = q.nodes["conv0"].metadata[LOIHI]
    assert q.nodes["n1"].metadata[LOIHI]["scale"] == pytest.approx(conv0["scale_out"])


def _golden_graph(weight, bias, v_init=None, tau=4.0) -> nir.NIRGraph:
    """input(2) -> Affine -> LIF(tau steps, v_th = 0.8, dt = 1) -> Affine readout."""
    meta = {} if v_init is None else {"snn2hw.v_init": np.asarray(v_init, dtype=np.float64)}
    nodes = {
        "input": nir.Input(np.array([2])),
        "fc": nir.Affine(weight=np.asarray(weight, dtype=np.float64), bias=np.asarray(bias)),
        "n": nir.LIF(tau=np.full(2, tau), r=np.ones(2), v_leak=np.zeros(2),
                     v_threshold=np.full(2, 0.8), v_reset=np.zeros(2), metadata=meta),
        "ro": nir.Affine(weight=np.array([[0.7, -0.35]]), bias=np.array([0.2])),
        "output": nir.Output(np.array([1])),
    }
    edges = [("input", "fc"), ("fc", "n"), ("n", "ro"), ("ro", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"snn2hw.dt": 1.0})


def test_golden_integers_at_the_layer_scale():
    """By hand. Folding the Euler gain dt/tau = 0.25 into fc: W = [[.125, -.0625], [.25, .075]],
    bias 0.25 * b = [.0025, -.0015]. Mixed signs: mantissa 254 on a grid of 2, so
    S = 254 * 16 / 0.25 = 16256 (the bias limit 524160 / (64 * .0025) and the threshold limit
    131071 / 0.8 are larger). W * S / 16 = [[127, -63.5], [254, 76.2]] -> 2 * rint(W / 2) =
    [[128, -64], [254, 76]] (63.5 -> 64 half to even). vth = round(0.8 * 16256 = 13004.8) =
    13005; dv = 0.25 * 4096 = 1024; bias = rint([.0025, -.0015] * 64 * 16256 = [2600.96,
    -1560.576]) = [2601, -1561], exponent 0; v_init = rint(0.2 * 64 * 16256 = 208076.8).
    Readout (spikes, scale 1): S_out = 254 / 0.7, weights [254, -127 -> -128]."""
    q = quantize_loihi(_golden_graph([[0.5, -0.25], [1.0, 0.3]], [0.01, -0.006], [0.2, 0.0]),
                       input_scale=16.0)
    np.testing.assert_array_equal(q.nodes["fc"].weight, [[128, -64], [254, 76]])
    assert q.nodes["fc"].metadata[LOIHI] == {"scale_in": 16.0, "scale_out": 16256.0,
                                             "weight_exp": 0}
    p = q.nodes["n"].metadata[LOIHI]
    assert (p["du"], p["dv"], p["vth"], p["bias_exp"], p["scale"]) == (4095, 1024, 13005, 0,
                                                                       16256.0)
    np.testing.assert_array_equal(p["bias_mant"], [2601, -1561])
    np.testing.assert_array_equal(p["v_init"], [208077, 0])
    np.testing.assert_array_equal(q.nodes["ro"].weight, [[254, -128]])
    assert q.nodes["ro"].metadata[LOIHI]["scale_out"] == 254 / 0.7


def test_golden_bias_exponent():
    """b = [0.1, -0.05]: 0.25 * b * 64 * 16256 = [26009.6, -13004.8] -> [26010, -13005];
    26010 > 4095 needs exponent 3 (26010 / 8 = 3251.25); mantissas rint([3251.25, -1625.625])
    = [3251, -1626]."""
    q = quantize_loihi(_golden_graph([[0.5, -0.25], [1.0, 0.3]], [0.1, -0.05]), input_scale=16.0)
    p = q.nodes["n"].metadata[LOIHI]
    assert p["bias_exp"] == 3 and p["scale"] == 16256.0
    np.testing.assert_array_equal(p["bias_mant"], [3251, -1626])


def test_golden_weight_exponent_at_a_fixed_scale():
    """scale = 4096, input scale 1: folded W * 4096 = [[1020, -256], [512, 307.2]]. The
    exponent is the smallest with max / 2^e <= 254 + 1 (half a grid step): 1020 / 4 = 255, so
    e = 2; mantissas clip(2 * rint(W / 8)) = [[256 -> 254, -64], [128, 76]] (1020 / 8 = 127.5
    -> 128 half to even, clipped to 254). vth = round(0.8 * 4096 = 3276.8) = 3277."""
    q = quantize_loihi(_golden_graph([[255 / 256, -0.25], [0.5, 0.3]], [0.0, 0.0]), scale=4096.0)
    np.testing.assert_array_equal(q.nodes["fc"].weight, [[254, -64], [128, 76]])
    assert q.nodes["fc"].metadata[LOIHI]["weight_exp"] == 2
    assert q.nodes["n"].metadata[LOIHI]["vth"] == 3277


def test_golden_voltage_decay():
    """tau = 6 steps: dv = round(4096 / 6 = 682.67) = 683."""
    q = quantize_loihi(_golden_graph([[0.5, -0.25], [1.0, 0.3]], [0.0, 0.0], tau=6.0))
    assert q.nodes["n"].metadata[LOIHI]["dv"] == 683
