"""Loihi mode against Lava's bit-accurate ``fixed_pt`` models: every spike of every population at
every step, and the readout, are equal on the same float graph quantised by quantize_loihi."""

from __future__ import annotations

import nir
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from snn2hw.backends.fixed import FixedBackend

from snn2hw.backend import RunConfig
from snn2hw.registry import create_backend

from . import graphs

pytestmark = pytest.mark.lava


def assert_same_as_lava(graph: nir.NIRGraph, x: np.ndarray) -> dict:
    lava = create_backend("lava")
    lava.compile(graph, RunConfig(precision="fixed", record=True))
    expected = lava.run(x)
    fixed = FixedBackend()
    fixed.compile(graph, RunConfig(record=True, extra={"mode": "loihi"}))
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
