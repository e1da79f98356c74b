"""Lava float precision equals the reference simulator spike by spike."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from snn2hw.backend import RunConfig
from snn2hw.backends.lava import LavaBackend
from snn2hw.backends.reference import simulate

from . import graphs

pytestmark = pytest.mark.lava


def _both(graph, x):
    backend = LavaBackend()
    backend.compile(graph, RunConfig(precision="float", record=True))
    lava = backend.run(x)
    ref = simulate(graph, x, record=True, dtype=torch.float64)
    return lava, ref


def _assert_same(lava, ref, neurons):
    for name in neurons:
        assert ref.records[name].sum() > 0, f"{name} never fires: the test would be vacuous"
        np.testing.assert_array_equal(lava.records[name], ref.records[name], err_msg=name)
    np.testing.assert_allclose(lava.output, ref.output, rtol=1e-9, atol=1e-9)


def test_mlp_graded_input_with_imp_over_two_samples():
    x = np.random.default_rng(3).random((12, 2, 64))
    lava, ref = _both(graphs.mlp(v_init=True), x)
    _assert_same(lava, ref, ["lif1"])
    assert lava.output.shape == (12, 2, 10)


def test_vgg_with_pooling_and_flatten_over_two_samples():
    # no initial potentials: LIFReset populations clear themselves when each sample arrives
    x = graphs.spikes(np.random.default_rng(4), 8, 2, (1, 8, 8))
    lava, ref = _both(graphs.vgg(), x)
    _assert_same(lava, ref, ["if1", "lif2"])


def test_sew_block_with_downsample_path_is_delay_aligned():
    x = graphs.spikes(np.random.default_rng(5), 8, 1, (2, 6, 6), rate=0.5)
    lava, ref = _both(graphs.sew_block(), x)
    _assert_same(lava, ref, ["sn0", "sn1", "sn2", "sn_down", "sn3"])
