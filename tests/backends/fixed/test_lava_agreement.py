"""Loihi mode against Lava's bit-accurate ``fixed_pt`` models: every spike of every population at
every step, and the readout, are equal on the same float graph quantised by quantize_loihi."""

from __future__ import annotations

import warnings

import nir
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snn2hw.backend import RunConfig
from snn2hw.backends.fixed import FixedBackend
from snn2hw.errors import Snn2hwWarning
from snn2hw.passes.fold_loihi import LOIHI
from snn2hw.passes.quantize_loihi import quantize_loihi
from snn2hw.registry import create_backend

from . import graphs

pytestmark = pytest.mark.lava


def assert_same_as_lava(graph: nir.NIRGraph, x: np.ndarray, **extra) -> dict:
    lava = create_backend("lava")
    lava.compile(graph, RunConfig(precision="fixed", record=True, extra=extra))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)  # "inputs rounded to integers"
        expected = lava.run(x)
    fixed = FixedBackend()
    fixed.compile(graph, RunConfig(record=True, extra={"mode": "loihi", **extra}))
    got = fixed.run(x)
    assert expected.records, "Lava recorded no population"
    for name, spikes in expected.records.items():
        np.testing.assert_array_equal(got.records[name], spikes, err_msg=name)
    np.testing.assert_array_equal(got.output, expected.output)
    return expected.records


def _fires(records: dict) -> bool:
    return all(0 < spikes.mean() < 1 for spikes in records.values())


def test_digits_mlp_with_lif_and_initial_potentials():
    rng = np.random.default_rng(10)
    g = graphs.mlp(rng, sizes=(64, 32, 10), neuron=graphs.lif_node, v_init=True)
    assert _fires(assert_same_as_lava(g, graphs.digits_like(rng, steps=6, batch=2, shape=(64,))))


@pytest.mark.filterwarnings("ignore::snn2hw.errors.Snn2hwWarning")  # "input ... was rounded"
def test_non_integer_inputs_round_half_to_even_as_lava_does():
    """x * input_scale is not an integer: the fixed path must round as Lava's input does
    (``np.rint``, half to even), not floor or round half up. Halves (k + 0.5) are included."""
    rng = np.random.default_rng(14)
    g = graphs.mlp(rng, sizes=(16, 12, 4))
    x = rng.uniform(0, 1, size=(5, 3, 16))
    x[:, :, :6] = (2 * rng.integers(0, 16, size=(5, 3, 6)) + 1) / 32  # x * 16 = k + 0.5
    scaled = x * 16
    assert not np.array_equal(np.rint(scaled), np.floor(scaled))
    assert not np.array_equal(np.rint(scaled), np.floor(scaled + 0.5))
    assert _fires(assert_same_as_lava(g, x, input_scale=16.0))


@pytest.mark.parametrize("net", ["mlp", "cnn"])
def test_a_fixed_layer_scale_uses_weight_and_bias_exponents(net):
    """scale = 4096 (the NIR paper used 256): weights beyond the 8-bit mantissa get a Dense
    weight exponent (folded into the stored weights for Conv), biases a bias exponent."""
    rng = np.random.default_rng(16)
    if net == "mlp":
        g, x = graphs.mlp(rng, sizes=(16, 12, 4)), rng.integers(0, 5, (5, 2, 16)) / 4
    else:
        g, x = graphs.cnn(rng), graphs.digits_like(rng, steps=4, batch=2) / 4
    options = {"scale": 4096.0, "input_scale": 4.0}
    q = quantize_loihi(g, **options)
    first, population = ("fc0", "n0") if net == "mlp" else ("conv0", "n0")
    if net == "mlp":
        assert q.nodes[first].metadata[LOIHI]["weight_exp"] > 0
    else:
        assert np.abs(q.nodes[first].weight).max() > 255  # mantissa << exponent, stored
    assert q.nodes[population].metadata[LOIHI]["bias_exp"] > 0
    assert _fires(assert_same_as_lava(g, x, **options))


def _no_overflow(graph: nir.NIRGraph, x: np.ndarray) -> None:
    fixed = FixedBackend()
    fixed.compile(graph, RunConfig(extra={"mode": "loihi"}))
    fixed.run(x)
    assert not any(any(counts.values()) for counts in fixed.report().events.values())


def test_digits_cnn_with_sum_pooling_and_biases():
    rng = np.random.default_rng(11)
    g, x = graphs.cnn(rng), graphs.digits_like(rng, steps=5, batch=2)
    assert _fires(assert_same_as_lava(g, x))
    _no_overflow(g, x)


def test_pooled_conv_net_with_average_pooling_lif_and_biases():
    rng = np.random.default_rng(12)
    g = graphs.cnn(rng, pool=nir.AvgPool2d, neuron=graphs.lif_node)
    x = graphs.digits_like(rng, steps=5, batch=2)
    assert_same_as_lava(g, x)
    _no_overflow(g, x)


def test_sew_residual_block():
    rng = np.random.default_rng(13)
    records = assert_same_as_lava(graphs.sew_block(rng), graphs.digits_like(rng, steps=5, batch=2))
    assert _fires(records)


@st.composite
def small_graphs(draw):
    """Affine/neuron chains of 1-3 populations: sizes, LIF or IF, biases, initial potentials."""
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    layers = draw(st.integers(3, 5))  # sizes: input, 1-3 populations, readout
    sizes = [draw(st.integers(2, 12)) for _ in range(layers)]
    neuron = draw(st.sampled_from([graphs.if_node, graphs.lif_node]))
    g = graphs.mlp(rng, sizes=tuple(sizes), neuron=neuron, v_init=draw(st.booleans()))
    x = rng.integers(0, 5, size=(draw(st.integers(1, 6)), 2, sizes[0])).astype(np.float64)
    return g, x


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=small_graphs())
def test_generated_small_graphs(case):
    assert_same_as_lava(*case)


def _zero_biases(graph: nir.NIRGraph) -> nir.NIRGraph:
    for node in graph.nodes.values():
        if getattr(node, "bias", None) is not None:
            node.bias = np.zeros_like(node.bias)
    return graph


def test_lava_timing_aligns_fan_in_of_paths_of_different_depth():
    """SEW block: conv3 sums n0 (one Dense/Conv delay deep) and n2 (three deep). Raw Lava timing
    makes the shorter path wait; without biases nothing happens before the input arrives, so
    every population's spikes equal the aligned timing's, which equals Lava (above)."""
    rng = np.random.default_rng(15)
    g = _zero_biases(graphs.sew_block(rng))
    x = graphs.digits_like(rng, steps=6, batch=2)
    runs = {}
    for timing in ("aligned", "lava"):
        fixed = FixedBackend()
        fixed.compile(g, RunConfig(record=True, extra={"mode": "loihi", "timing": timing}))
        runs[timing] = fixed.run(x)
    for name in ("n0", "n1", "n2", "n3"):
        assert 0 < runs["aligned"].records[name].mean() < 1, name
        np.testing.assert_array_equal(runs["lava"].records[name], runs["aligned"].records[name],
                                      err_msg=name)
    np.testing.assert_array_equal(runs["lava"].output, runs["aligned"].output)
    assert_same_as_lava(g, x)
