"""netx export: tiny MLP and conv nets and the digits models (pools folded, non-spiking readout)
run in lava-dl netx exactly as in our own fixed mapping of the same integers; what netx cannot
express is refused, every problem listed by node name, and leaves no file."""

from __future__ import annotations

import h5py
import nir
import numpy as np
import pytest
import torch

from snn2hw.backend import RunConfig
from snn2hw.backends.lava import LavaBackend, export_netx
from snn2hw.backends.lava.netx_export import netx_graph
from snn2hw.backends.lava.netx_rewrite import fold_pools
from snn2hw.backends.reference import simulate
from snn2hw.errors import ConstraintError, Snn2hwWarning

from ...exported import exported_graph
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
    """netx's output for ``x [T, *in]``: spikes of the last layer, or for a non-spiking readout
    its ``v / 64`` (the integer ``W s(t) + bias``), aligned to the input like ours."""
    from lava.lib.dl.netx.hdf5 import Network
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import Read
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source

    with h5py.File(path) as f:
        kinds = [f[f"layer/{i}/type"][()] for i in f["layer"]]
        last = f[f"layer/{len(kinds) - 1}"]
        readout = last["neuron/iDecay"][()] == 4096 and last["neuron/vDecay"][()] == 4096
    steps = x.shape[0] + sum(kind in (b"conv", b"dense") for kind in kinds)
    # Layer k starts from rest at step k, when its first input arrives (as our runner does).
    net = Network(net_config=str(path), input_message_bits=input_message_bits,
                  reset_interval=steps, reset_offset=1)
    data = np.zeros((*net.inp.shape, steps), dtype=np.int32)
    data[..., : x.shape[0]] = x.T  # [T, C, H, W] -> Lava's [W, H, C, T]
    src = Source(data=data)
    src.s_out.connect(net.inp)
    if readout:
        sink = Read(buffer=steps)
        sink.connect_var(net.layers[-1].neuron.v)
    else:
        sink = Sink(shape=net.out.shape, buffer=steps)
        net.out.connect(sink.a_in)
    try:
        src.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        out = sink.data.get().T
    finally:
        src.stop()
    out = out[len(net.layers):]  # netx keeps one step of delay per layer
    return out // 64 if readout else out


def _ours(graph, x: np.ndarray, **config):
    """Our Lava fixed run of the integers a netx file of ``graph`` holds; for a non-spiking
    readout in its layer-scale units: ``y * scale = W s(t) + b * scale``, with ``b * scale``
    rounded as netx's bias mantissa must be."""
    qgraph, layers = netx_graph(graph)
    backend = LavaBackend()
    backend.compile(qgraph, RunConfig(precision="fixed", **config))
    result = backend.run(x)
    if layers[-1].neuron is None:
        fc = qgraph.nodes[layers[-1].synapse]
        scale = fc.metadata["snn2hw.loihi"]["scale_out"]
        bias = np.asarray(getattr(fc, "bias", 0.0))
        result.output = np.rint((result.output - bias) * scale) + np.rint(bias * scale)
    return result


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


def test_netx_digits_cnn_pool_folded_and_readout_equals_our_fixed_mapping(tmp_path):
    """The model ``snn2hw train --arch digits-cnn --no-imp`` produces (random weights): the
    average pool is folded into the readout, which is written as a non-firing netx layer."""
    graph = exported_graph("digits-cnn", [1, 8, 8], 4, imp=False, channels=4, v_threshold=0.3)
    x = np.random.default_rng(2).integers(0, 17, (4, 1, 1, 8, 8)).astype(np.float64)
    export_netx(graph, tmp_path / "cnn.net")
    with h5py.File(tmp_path / "cnn.net") as f:
        assert [f[f"layer/{i}/type"][()].decode() for i in range(5)] == [
            "input", "conv", "conv", "flatten", "dense"]
    ours = _ours(graph, x, record=True)
    assert ours.records["sn2"].sum() > 0, "sn2 never fires: the readout test would be vacuous"
    netx = _run_netx(tmp_path / "cnn.net", x[:, 0], input_message_bits=24)
    np.testing.assert_array_equal(netx, ours.output[:, 0])


def test_netx_digits_mlp_equals_our_fixed_mapping(tmp_path):
    graph = exported_graph("digits-mlp", [1, 8, 8], 4, imp=False, hidden=16, v_threshold=0.3)
    x = np.random.default_rng(3).integers(0, 17, (4, 1, 1, 8, 8)).astype(np.float64)
    export_netx(graph, tmp_path / "mlp.net")
    ours = _ours(graph, x, record=True)
    assert ours.records["sn2"].sum() > 0
    netx = _run_netx(tmp_path / "mlp.net", x[:, 0].reshape(4, 64), input_message_bits=24)
    np.testing.assert_array_equal(netx, ours.output[:, 0])


def test_netx_bias_off_its_grid_is_rounded_with_a_warning(tmp_path):
    rng = np.random.default_rng(2)
    graph, x = _conv_net(rng), graphs.spikes(rng, 10, 1, (2, 6, 6), 0.5)
    graph.nodes["conv2"].bias = np.full(4, 0.0123)  # 1/64 grid of our mapping, not netx's
    with pytest.warns(Snn2hwWarning, match="36 neuron biases rounded"):
        export_netx(graph, tmp_path / "cnn.net")
    with pytest.warns(Snn2hwWarning):
        ours = _ours(graph, x).output[:, 0]
    assert ours.sum() > 0
    np.testing.assert_array_equal(_run_netx(tmp_path / "cnn.net", x[:, 0]), ours)


def test_folding_pools_keeps_every_spike():
    """Pool -> conv and pool -> flatten -> linear folds, against the reference simulator."""
    graph = graphs.vgg()  # sum pool -> conv (padding 1), average pool -> flatten -> affine
    folded, problems = fold_pools(graph)
    assert problems == [] and not {"pool1", "pool2"} & set(folded.nodes)
    x = graphs.spikes(np.random.default_rng(4), 8, 2, (1, 8, 8))
    ref = simulate(graph, x, record=True, dtype=torch.float64)
    new = simulate(folded, x, record=True, dtype=torch.float64)
    for name in ("if1", "lif2"):
        assert ref.records[name].sum() > 0
        np.testing.assert_array_equal(new.records[name], ref.records[name], err_msg=name)
    np.testing.assert_allclose(new.output, ref.output, atol=1e-12)


def test_netx_lists_every_problem_at_once(tmp_path):
    """A SEW block (residual fan-in and fan-out) whose neurons start from an initial potential:
    every node is named in one error."""
    graph = graphs.sew_block()
    for name in ("sn1", "sn3"):
        graph.nodes[name].metadata["snn2hw.v_init"] = np.full(graphs.sew_block().nodes[
            name].v_threshold.shape, 0.2)
    with pytest.raises(ConstraintError) as info:
        export_netx(graph, tmp_path / "x.net")
    message = str(info.value)
    for node, reason in (("sn0", "residual"), ("conv3", "residual"), ("sn1", "initial"),
                         ("sn3", "initial")):
        assert f"'{node}'" in message and reason in message, message
    assert "\n" not in message and list(tmp_path.iterdir()) == []


def test_netx_refuses_imp_of_a_trained_digits_model(tmp_path):
    graph = exported_graph("digits-mlp", [1, 8, 8], 4, hidden=16)  # IMP, as train's default
    with pytest.raises(ConstraintError, match="'sn1'.*initial.*'sn2'.*initial.*--no-imp"):
        export_netx(graph, tmp_path / "x.net")
    assert list(tmp_path.iterdir()) == []
