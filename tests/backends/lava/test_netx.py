"""netx export: tiny MLP and conv nets run in lava-dl netx exactly as in our own fixed mapping;
what netx cannot express is refused by name and leaves no file."""

from __future__ import annotations

import h5py
import nir
import numpy as np
import pytest

from snn2hw.backend import RunConfig
from snn2hw.backends.lava import LavaBackend, export_netx
from snn2hw.errors import UnsupportedError

from . import graphs

pytestmark = pytest.mark.lava


def _spiking_mlp(rng, v_init: bool = False) -> nir.NIRGraph:
    v0 = np.full(12, 0.25) if v_init else None
    nodes = {"input": nir.Input(np.array([16])), "fc1": nir.Linear(rng.normal(0, 0.8, (12, 16))),
             "lif1": graphs.lif(12, v_init=v0),
             "fc2": nir.Linear(np.abs(rng.normal(0, 1.0, (4, 12)))),
             "lif2": graphs.lif(4, v_th=0.3), "output": nir.Output(np.array([4]))}
    chain = list(nodes)
    return graphs._graph(nodes, list(zip(chain[:-1], chain[1:])))


def _conv_net(rng) -> nir.NIRGraph:
    """(2,6,6) conv-IF-conv(stride 2)-LIF-flatten-linear-LIF; conv1's bias on netx's grid."""
    conv1 = graphs.conv(rng, 4, 2, 3, padding=1)
    conv1.weight = conv1.weight / np.abs(conv1.weight).max()  # layer scale 254 exactly
    conv1.bias = rng.integers(-30, 30, 4) / 254.0  # quantised bias = 64 * integer
    conv2 = graphs.conv(rng, 4, 4, 3, stride=2, padding=1)
    conv2.bias = np.zeros(4)
    nodes = {"input": nir.Input(np.array([2, 6, 6])), "conv1": conv1, "if1": graphs.if_((4, 6, 6)),
             "conv2": conv2, "lif2": graphs.lif((4, 3, 3), tau_steps=2.0, v_th=0.5),
             "flat": nir.Flatten(input_type={"input": np.array([4, 3, 3])}, start_dim=0),
             "fc": nir.Linear(np.abs(rng.normal(0, 1.0, (5, 36)))),
             "lif3": graphs.lif(5, v_th=0.5), "output": nir.Output(np.array([5]))}
    chain = list(nodes)
    return graphs._graph(nodes, list(zip(chain[:-1], chain[1:])))


def _run_netx(path, x: np.ndarray, input_message_bits: int = 0) -> np.ndarray:
    from lava.lib.dl.netx.hdf5 import Network
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source

    with h5py.File(path) as f:
        kinds = [f[f"layer/{i}/type"][()] for i in f["layer"]]
    steps = x.shape[0] + sum(kind in (b"conv", b"dense") for kind in kinds)
    # Layer k starts from rest at step k, when its first input arrives (as our runner does).
    net = Network(net_config=str(path), input_message_bits=input_message_bits,
                  reset_interval=steps, reset_offset=1)
    data = np.zeros((*net.inp.shape, steps), dtype=np.int32)
    data[..., : x.shape[0]] = x.T  # [T, C, H, W] -> Lava's [W, H, C, T]
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


def test_netx_conv_network_equals_our_fixed_mapping(tmp_path):
    rng = np.random.default_rng(1)
    graph, x = _conv_net(rng), graphs.spikes(rng, 10, 1, (2, 6, 6), 0.5)
    export_netx(graph, tmp_path / "cnn.net")
    with h5py.File(tmp_path / "cnn.net") as f:
        assert [f[f"layer/{i}/type"][()].decode() for i in range(5)] == [
            "input", "conv", "conv", "flatten", "dense"]
        assert f["layer/1/bias"].shape == (4,) and np.any(f["layer/1/bias"][()] != 0)
    backend = LavaBackend()
    backend.compile(graph, RunConfig(precision="fixed", record=True))
    result = backend.run(x)
    for name in ("if1", "lif2"):
        assert result.records[name].sum() > 0, f"{name} never fires: the test would be vacuous"
    assert result.output.sum() > 0
    np.testing.assert_array_equal(_run_netx(tmp_path / "cnn.net", x[:, 0]), result.output[:, 0])


@pytest.mark.parametrize("graph, node, reason", [
    (graphs.sew_block(), "sn0", "residual"), (graphs.vgg(), "pool1", "pooling"),
    (graphs.mlp(), "fc2", "non-spiking readout"),
    (_spiking_mlp(np.random.default_rng(3), v_init=True), "lif1", "initial"),
    (_conv_net(np.random.default_rng(2)), "lif2", "multiple of 64"),
])
def test_netx_refuses_what_it_cannot_express(tmp_path, graph, node, reason):
    if node == "lif2":
        graph.nodes["conv2"].bias = np.full(4, 0.0123)
    with pytest.raises(UnsupportedError, match=f"'{node}'.*{reason}"):
        export_netx(graph, tmp_path / "x.net")
    assert list(tmp_path.iterdir()) == []
