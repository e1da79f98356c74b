"""A network exported by SpikingJelly's own NIR exporter runs spike-exact in snn2hw."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from spikingjelly.activation_based import layer, neuron
from spikingjelly.activation_based.nir_exchange import export_to_nir
from torch import nn

from snn2hw.backends.reference import simulate
from snn2hw.errors import Snn2hwWarning
from snn2hw.ir.io import read_graph

from .sj_nets import inputs, run


@pytest.mark.parametrize("dt", [1e-4, 1e-3])
def test_spikingjelly_exporter_output_is_spike_exact(tmp_path, dt):
    torch.manual_seed(0)
    net = nn.Sequential(layer.Flatten(), layer.Linear(32, 8), neuron.IFNode(v_threshold=0.5),
                        layer.Linear(8, 6), neuron.LIFNode(tau=1.5, v_threshold=0.05),
                        layer.Linear(6, 3)).double()
    export_to_nir(net.float(), torch.zeros(1, 2, 4, 4), tmp_path / "sj.nir", dt=dt)
    graph = read_graph(tmp_path / "sj.nir")
    x = inputs((4, 3, 2, 4, 4))
    out, spikes = run(net.double(), x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)  # no stored dt: the one given is used
        result = simulate(graph, x.numpy(), dt=dt, dtype=torch.float64, record=True)
    assert set(spikes) == {"_2", "_4"}
    for name, s in spikes.items():
        np.testing.assert_array_equal(result.records[name], s, err_msg=name)
        assert 0.02 < s.mean() < 0.98
    np.testing.assert_allclose(result.output, out, rtol=0, atol=1e-6)
