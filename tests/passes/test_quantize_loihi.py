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
    bias = np.abs(p["bias_mant"] * 2 ** p["bias_exp"])
    assert bias.max() <= FMT.bias_max and p["bias_exp"] == FMT.bias_exp_max
    folded = fold_loihi(graph).nodes["lif1"].metadata[LOIHI]["bias_mant"]
    np.testing.assert_allclose(bias / (p["scale"] * FMT.v_unit), folded, rtol=1e-3)
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
