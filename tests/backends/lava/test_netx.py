"""netx export: a tiny MLP runs in lava-dl netx exactly as in our own mapping; others refused."""

from __future__ import annotations

import nir
import numpy as np
import pytest
from snn2hw.backends.lava import LavaBackend, export_netx

from snn2hw.backend import RunConfig
from snn2hw.errors import UnsupportedError

from . import graphs

pytestmark = pytest.mark.lava


def _spiking_mlp(rng) -> nir.NIRGraph:
    nodes = {"input": nir.Input(np.array([16])), "fc1": nir.Linear(rng.normal(0, 0.8, (12, 16))),
             "lif1": graphs.lif(12), "fc2": nir.Linear(np.abs(rng.normal(0, 1.0, (4, 12)))),
             "lif2": graphs.lif(4, v_th=0.3), "output": nir.Output(np.array([4]))}
    chain = list(nodes)
    return graphs._graph(nodes, list(zip(chain[:-1], chain[1:])))


def _run_netx(path, x: np.ndarray) -> np.ndarray:
    from lava.lib.dl.netx.hdf5 import Network
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source

    net = Network(net_config=str(path))
    steps = x.shape[0] + len(net.layers)
    data = np.zeros((x.shape[1], steps), dtype=np.int32)
    data[:, : x.shape[0]] = x.T
    src, sink = Source(data=data), Sink(shape=net.out.shape, buffer=steps)
    src.s_out.connect(net.inp)
    net.out.connect(sink.a_in)
    try:
        src.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        out = sink.data.get().T
    finally:
        src.stop()
    return out[len(net.layers):]  # netx keeps one step of delay per layer


def test_netx_network_equals_our_fixed_mapping(tmp_path):
    rng = np.random.default_rng(0)
    graph, x = _spiking_mlp(rng), graphs.spikes(rng, 12, 1, (16,), 0.6)
    export_netx(graph, tmp_path / "mlp.net")
    backend = LavaBackend()
    backend.compile(graph, RunConfig(precision="fixed"))
    ours = backend.run(x).output[:, 0]
    assert ours.sum() > 0
    np.testing.assert_array_equal(_run_netx(tmp_path / "mlp.net", x[:, 0]), ours)


@pytest.mark.parametrize("graph, node", [
    (graphs.sew_block(), "sn0"), (graphs.vgg(), "conv1"), (graphs.mlp(), "fc2"),
    (graphs.mlp(v_init=True), "lif1"),
])
def test_netx_refuses_what_it_cannot_express(tmp_path, graph, node):
    with pytest.raises(UnsupportedError, match=f"'{node}'"):
        export_netx(graph, tmp_path / "x.net")
