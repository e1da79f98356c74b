"""``run --initial-state reset``: a SpikingJelly network with non-zero ``v_reset``, exported by
SpikingJelly's own exporter (whose NIR cannot say that neurons start at ``v_reset``), runs as
SpikingJelly ran it; without the option it starts at 0 and differs."""

from __future__ import annotations

import json
import warnings

import numpy as np
import torch
from spikingjelly.activation_based import layer, neuron
from spikingjelly.activation_based.nir_exchange import export_to_nir
from torch import nn

from snn2hw.backends.reference import simulate
from snn2hw.errors import Snn2hwWarning
from snn2hw.ir import metadata
from snn2hw.ir.io import read_graph
from snn2hw.passes.initial_state import with_initial_state

from ..cli.helpers import cli
from ..frontends.sj_nets import inputs, run

DT = 1e-3


def spikingjelly_file(tmp_path):
    torch.manual_seed(0)
    net = nn.Sequential(layer.Linear(6, 8), neuron.IFNode(v_threshold=0.5, v_reset=0.3),
                        layer.Linear(8, 5), neuron.LIFNode(tau=1.5, v_threshold=0.05,
                                                           v_reset=-0.1),
                        layer.Linear(5, 3)).double()
    export_to_nir(net.float(), torch.zeros(1, 6), tmp_path / "sj.nir", dt=DT)
    return net.double(), tmp_path / "sj.nir"  # the exporter left it in float32


def test_reset_start_reproduces_spikingjelly(tmp_path):
    net, path = spikingjelly_file(tmp_path)
    x = inputs((5, 4, 6))
    out, spikes = run(net, x)
    graph = read_graph(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        plain = simulate(graph, x.numpy(), dt=DT, dtype=torch.float64, record=True)
        reset = simulate(with_initial_state(graph, "reset"), x.numpy(), dt=DT,
                         dtype=torch.float64, record=True)
    for name, s in spikes.items():
        np.testing.assert_array_equal(reset.records[name], s, err_msg=name)
        assert 0.02 < s.mean() < 0.98
    np.testing.assert_allclose(reset.output, out, rtol=0, atol=1e-9)
    assert not np.allclose(plain.output, out, atol=1e-6)  # from 0 it is another network


def test_zero_drops_v_init_and_reset_keeps_a_stored_one(tmp_path):
    _, path = spikingjelly_file(tmp_path)
    graph = read_graph(path)
    graph.nodes["_1"].metadata[metadata.V_INIT] = np.full(8, 0.1)
    reset = with_initial_state(graph, "reset")
    assert np.all(metadata.v_init(reset.nodes["_1"]) == 0.1)
    assert np.all(metadata.v_init(reset.nodes["_3"]) == -0.1)
    zero = with_initial_state(graph, "zero")
    assert all(metadata.v_init(n) is None for n in zero.nodes.values())
    assert metadata.V_INIT in graph.nodes["_1"].metadata  # the input graph is left as it was


def test_run_option(tmp_path):
    net, path = spikingjelly_file(tmp_path)
    x = inputs((5, 4, 6))
    np.save(tmp_path / "x.npy", x.numpy())
    expected, _ = run(net, x)
    result = cli("run", path, "--input", tmp_path / "x.npy", "--dt", DT, "--float64",
                 "--initial-state", "reset", "-o", tmp_path / "out.npy", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["output_shape"] == [5, 4, 3]
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, rtol=0, atol=1e-9)
