"""Properties of the generic quantisation pass (hypothesis) and its failure cases."""

from __future__ import annotations

import nir
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from snn2hw.errors import BadInputError, UnsupportedError
from snn2hw.passes.quantize_generic import (
    GenericFormat,
    _consumers,
    quantize_generic,
    round_to_int,
)
from tests.backends.fixed import graphs

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
weights = hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
                     elements=st.floats(-10, 10, allow_nan=False, allow_infinity=False))
formats = st.builds(GenericFormat, weight_bits=st.integers(2, 8),
                    granularity=st.sampled_from(["layer", "channel"]),
                    rounding=st.sampled_from(["nearest", "floor", "zero"]))


@given(x=finite)
def test_rounding_modes_error_bounds(x):
    nearest, floor, zero = (float(round_to_int(x, m)) for m in ("nearest", "floor", "zero"))
    assert abs(nearest - x) <= 0.5
    assert floor <= x < floor + 1
    assert abs(zero) <= abs(x) and abs(x - zero) < 1
    assert all(v == int(v) for v in (nearest, floor, zero))


def _single_layer(w: np.ndarray) -> nir.NIRGraph:
    n_out, n_in = w.shape
    return graphs.graph({"fc": nir.Linear(weight=w), "n": graphs.if_node(n_out)},
                        graphs.chain_edges(["fc", "n"]), [n_in], [n_out])


@settings(max_examples=80, deadline=None)
@given(w=weights, fmt=formats)
def test_weights_are_integers_within_the_format_and_round_trip_within_one_step(w, fmt):
    q = quantize_generic(_single_layer(w), fmt)
    w_int, scale = q.nodes["fc"].weight, q.nodes["fc_dequant"].scale.reshape(-1, 1)
    assert np.all(w_int == np.round(w_int))
    assert np.abs(w_int).max() <= fmt.weight_max  # saturation never exceeds the format
    err = np.abs(w_int * scale[: w.shape[0]] - w) if scale.size > 1 else np.abs(w_int * scale - w)
    bound = (0.5 if fmt.rounding == "nearest" else 1.0) * np.broadcast_to(
        scale if scale.size > 1 else scale.item(), w.shape)
    assert np.all(err <= bound + 1e-9)


@settings(max_examples=50, deadline=None)
@given(w=weights, fmt=formats)
def test_quantisation_is_monotonic_within_a_row_and_idempotent(w, fmt):
    q = quantize_generic(_single_layer(w), fmt)
    w_int = q.nodes["fc"].weight
    for row, row_int in zip(w, w_int):
        order = np.argsort(row, kind="stable")
        assert np.all(np.diff(row_int[order]) >= 0)
    dequant = w_int * q.nodes["fc_dequant"].scale.reshape(-1, 1)[: w.shape[0]]
    again = quantize_generic(_single_layer(dequant), fmt).nodes["fc"].weight
    if np.abs(w).max() > 0:
        np.testing.assert_array_equal(again, w_int)


@settings(max_examples=50, deadline=None)
@given(w=weights, threshold=st.floats(0.01, 100), v=st.integers(-2**20, 2**20),
       bits=st.integers(2, 8))
def test_integer_threshold_decides_exactly_as_the_float_one(w, threshold, v, bits):
    """v_int > vth_int  <=>  v_int * unit > v_threshold (NIR's strict comparison)."""
    g = _single_layer(np.abs(w) + 0.1)
    g.nodes["n"].v_threshold = np.full(w.shape[0], threshold)
    q = quantize_generic(g, GenericFormat(weight_bits=bits))
    meta = q.nodes["n"].metadata
    unit, vth = meta["snn2hw.quant.unit"], meta["snn2hw.quant.vth"]
    assert np.array_equal(v > vth, v * unit > threshold)


def test_channel_scales_use_every_channel_fully():
    w = np.array([[0.1, -0.05], [4.0, 2.0], [-0.3, 0.0]])
    q = quantize_generic(_single_layer(w), GenericFormat(weight_bits=4, granularity="channel"))
    assert np.abs(q.nodes["fc"].weight).max(axis=1).tolist() == [7, 7, 7]
    layer = quantize_generic(_single_layer(w), GenericFormat(weight_bits=4))
    assert np.abs(layer.nodes["fc"].weight).max(axis=1).tolist() == [0, 7, 1]


def test_weighted_nodes_feeding_one_neuron_share_a_scale():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 2)), rng.normal(size=(3, 2)) * 10
    g = graphs.graph({"a": nir.Linear(weight=a), "b": nir.Linear(weight=b),
                      "n": graphs.if_node(3)},
                     [("input", "a"), ("input", "b"), ("a", "n"), ("b", "n"), ("n", "output")],
                     [2], [3])
    q = quantize_generic(g, GenericFormat(weight_bits=8))
    np.testing.assert_array_equal(q.nodes["a_dequant"].scale, q.nodes["b_dequant"].scale)


def test_avg_pool_becomes_sum_pool_with_the_area_in_the_next_weights():
    rng = np.random.default_rng(1)
    g = graphs.cnn(rng, pool=nir.AvgPool2d)
    q = quantize_generic(g, GenericFormat())
    assert isinstance(q.nodes["pool"], nir.SumPool2d)
    ratio = q.nodes["conv1_dequant"].scale.max() * 127 / np.abs(g.nodes["conv1"].weight).max()
    assert ratio == pytest.approx(0.25)


@pytest.mark.parametrize("kwargs", [dict(weight_bits=1), dict(weight_bits=9, state_bits=8),
                                    dict(rounding="up"), dict(granularity="tensor"),
                                    dict(decay_bits=0), dict(state_bits=48, decay_bits=16)])
def test_bad_formats_are_refused(kwargs):
    with pytest.raises(BadInputError):
        GenericFormat(**kwargs)


def test_unsupported_nodes_are_named():
    g = graphs.graph({"n": nir.CubaLIF(tau_syn=np.ones(2), tau_mem=np.ones(2), r=np.ones(2),
                                       v_leak=np.zeros(2), v_threshold=np.ones(2))},
                     graphs.chain_edges(["n"]), [2], [2])
    with pytest.raises(UnsupportedError, match="n \\(CubaLIF\\)"):
        quantize_generic(g, GenericFormat())


def test_input_graph_is_not_modified():
    rng = np.random.default_rng(2)
    g = graphs.cnn(rng, pool=nir.AvgPool2d)
    before = {n: np.copy(getattr(v, "weight", 0)) for n, v in g.nodes.items()}
    quantize_generic(g, GenericFormat(weight_bits=3))
    for name, weight in before.items():
        np.testing.assert_array_equal(getattr(g.nodes[name], "weight", 0), weight)
    assert isinstance(g.nodes["pool"], nir.AvgPool2d)


def _pass_through_cycle() -> nir.NIRGraph:
    """fc -> flat <-> scale, flat -> n: a cycle through pass-through nodes only."""
    nodes = {"input": nir.Input(np.array([2])), "fc": nir.Affine(np.eye(2), np.zeros(2)),
             "flat": nir.Flatten({"input": np.array([2])}, 0), "scale": nir.Scale(np.ones(2)),
             "n": nir.IF(np.ones(2), np.ones(2), np.zeros(2)), "output": nir.Output(np.array([2]))}
    edges = [("input", "fc"), ("fc", "flat"), ("flat", "scale"), ("scale", "flat"),
             ("flat", "n"), ("n", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def test_a_pass_through_cycle_is_refused_at_once():
    """It used to loop forever in the consumer walk (issue 12: 1.9 GB and counting)."""
    with pytest.raises(UnsupportedError, match="cycle"):
        quantize_generic(_pass_through_cycle(), GenericFormat())


def test_the_consumer_walk_visits_each_node_once_even_on_cycles():
    assert _consumers(_pass_through_cycle(), "fc") == ["n"]
