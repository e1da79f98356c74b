"""NeuroBench's metrics from a NIR graph: hand-computed values on a tiny graph, and the same
numbers as NeuroBench 2.3 itself measuring the snnTorch model the graph was exported from."""

from __future__ import annotations

import warnings

import nir
import numpy as np
import pytest
import snntorch as snn
import torch
from neurobench.benchmarks import Benchmark
from neurobench.metrics.static import ConnectionSparsity, Footprint
from neurobench.metrics.workload import ActivationSparsity, SynapticOperations
from neurobench.models import SNNTorchModel, TorchModel
from snntorch.export_nir import export_to_nir

from snn2hw import activity
from snn2hw.backend import RunConfig, RunResult
from snn2hw.errors import Snn2hwWarning
from snn2hw.neurobench_metrics import static_metrics, workload_metrics

F32 = np.float32


def _lif(n: int) -> nir.LIF:
    ones = np.ones(n, F32)
    return nir.LIF(tau=ones, r=ones, v_leak=0 * ones, v_threshold=ones, v_reset=0 * ones)


@pytest.fixture
def tiny() -> nir.NIRGraph:
    """input(3) -> fc1 (2x3, one zero weight, bias) -> lif1(2) -> fc2 (1x2) -> lif2(1)."""
    nodes = {"input": nir.Input({"input": np.array([3])}),
             "fc1": nir.Affine(np.array([[1, 0, 2], [0.5, -1, 3]], F32), np.array([0.1, 0.2], F32)),
             "lif1": _lif(2), "fc2": nir.Linear(np.array([[1, 1]], F32)), "lif2": _lif(1),
             "output": nir.Output({"output": np.array([1])})}
    names = list(nodes)
    return nir.NIRGraph(nodes, list(zip(names, names[1:], strict=False)))


def test_static_metrics_by_hand(tiny):
    got = static_metrics(tiny)
    assert got["synapse_bytes"] == (6 + 2 + 2) * 4  # fc1 weights + biases, fc2 weights
    assert got["neuron_bytes"] == 5 * (2 + 1) * 4  # tau, r, v_leak, v_threshold, v_reset
    assert got["footprint_bytes"] == got["synapse_bytes"] + got["neuron_bytes"]
    assert (got["weights"], got["zero_weights"]) == (8, 1)  # biases are not connections
    assert got["connection_sparsity"] == 1 / 8


def test_workload_metrics_by_hand(tiny):
    """T=2, B=2. Step 0's input is real (MACs), step 1's binary (ACs); lif1 always spikes."""
    records = {"input": np.array([[[0.5, 0, 1], [0, 0, 0]], [[1, 0, 1], [0, 1, 0]]], F32),
               "lif1": np.array([[[1, 0], [0, 0]], [[1, 1], [0, 1]]], F32),
               "lif2": np.array([[[0], [0]], [[1], [0]]], F32)}
    got = workload_metrics(tiny, RunResult(records["lif2"], records))
    assert got["activation_sparsity"] == (4 + 3) / (8 + 4)
    fc1, fc2 = got["layers"]
    # fc1: 2 active inputs x 2 synapses at step 0 (a real input counts once, whatever its
    # value), 3 x 2 at step 1, per sample; dense 3 x 2 x T
    assert fc1 == {"name": "fc1", "dense": 12, "effective_macs": 2, "effective_acs": 3}
    assert fc2 == {"name": "fc2", "dense": 4, "effective_macs": 0, "effective_acs": (1 + 3) / 2}
    assert got["synaptic_operations"] == {"dense": 16, "effective_macs": 2, "effective_acs": 5}


def test_negative_spikes_are_accumulates(tiny):
    """NeuroBench counts an input of 0, 1 and -1 only as accumulate-only."""
    x = np.array([[[1, -1, 0], [0, 0, 1]]], F32)
    ops = workload_metrics(tiny, RunResult(x, {"input": x, "lif1": x[..., :2]}))
    assert ops["layers"][0]["effective_acs"] == 3 and ops["layers"][0]["effective_macs"] == 0


class Net(torch.nn.Module):
    """A digits-sized MLP: 64 -> 32 -> 10, snnTorch Leaky neurons (per-neuron parameters)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = torch.nn.Linear(64, 32), torch.nn.Linear(32, 10)
        self.lif1, self.lif2 = self._lif(32), self._lif(10, output=True)

    @staticmethod
    def _lif(n: int, **kw) -> snn.Leaky:
        return snn.Leaky(beta=torch.full((n,), 0.8), threshold=torch.full((n,), 0.5),
                         reset_mechanism="zero", init_hidden=True, **kw)

    def forward(self, x):
        return self.lif2(self.fc2(self.lif1(self.fc1(x))))


def _neurobench(net: Net, x: torch.Tensor) -> dict:
    data = torch.utils.data.TensorDataset(x.transpose(0, 1), torch.zeros(x.shape[1]))
    loader = torch.utils.data.DataLoader(data, batch_size=x.shape[1])
    metrics = [[Footprint, ConnectionSparsity], [ActivationSparsity, SynapticOperations]]
    return Benchmark(SNNTorchModel(net), loader, [], [], metrics).run(quiet=True)


def _ours(net: Net, x: torch.Tensor) -> dict:
    graph = export_to_nir(net, torch.zeros(64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)  # snnTorch stores no dt: 1e-4
        result = activity.run_recorded(graph, "reference", x.numpy(), RunConfig(dt=1e-4))
    return static_metrics(graph) | workload_metrics(graph, result)


@pytest.mark.parametrize("prune", [0.0, 0.3])
def test_neurobench_agrees(prune):
    """Activation sparsity, connection sparsity and synaptic operations equal NeuroBench's;
    footprint: NeuroBench adds snnTorch's neuron buffers (beta, threshold, graded-spike
    factor, reset code, membrane state), snn2hw the graph's neuron arrays, so only the
    weights + biases part is compared. Pruned weights: NeuroBench drives only non-zero
    weights, snn2hw every synapse (the hardware routes them), so operations are compared
    unpruned."""
    torch.manual_seed(0)
    net = Net()
    with torch.no_grad():
        for layer in (net.fc1, net.fc2):
            layer.weight[torch.rand(layer.weight.shape) < prune] = 0
    x = torch.rand(6, 16, 64) * 2  # T, B, features: real inputs, so fc1 does MACs
    theirs, ours = _neurobench(net, x), _ours(net, x)
    assert ours["connection_sparsity"] == pytest.approx(theirs["ConnectionSparsity"], abs=5e-5)
    assert ours["activation_sparsity"] == pytest.approx(theirs["ActivationSparsity"], rel=1e-12)
    linear = TorchModel(torch.nn.ModuleList([net.fc1, net.fc2]))
    assert ours["synapse_bytes"] == Footprint()(linear)
    assert ours["footprint_bytes"] != theirs["Footprint"]  # see the docstring
    ops, synops = ours["synaptic_operations"], theirs["SynapticOperations"]
    assert ops["dense"] == synops["Dense"]  # every weight counted, pruned or not
    if prune:
        return
    assert 0 < synops["Effective_ACs"] < synops["Dense"]  # the check compares something
    assert ops["effective_macs"] == pytest.approx(synops["Effective_MACs"], rel=1e-9)
    assert ops["effective_acs"] == pytest.approx(synops["Effective_ACs"], rel=1e-9)
