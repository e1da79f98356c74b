"""quantize_loihi: integers within Loihi's formats, scales that reproduce the float model."""

from __future__ import annotations

import numpy as np
import pytest

from snn2hw.errors import UnsupportedError
from snn2hw.hw.loihi import LOIHI as FMT
from snn2hw.passes.fold_loihi import LOIHI
from snn2hw.passes.quantize_loihi import quantize_loihi
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
