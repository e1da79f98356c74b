"""Files snn2hw writes, opened by other tools: NIR's own reader with its type checks, and
SpikingJelly's and snnTorch's importers computing the same as snn2hw's reference (within their
features: no IMP, hard reset; snnTorch also no IF and no conv/flatten)."""

from __future__ import annotations

import warnings

import nir
import numpy as np
import pytest
import torch
from snntorch import utils as snn_utils
from snntorch.import_nir import import_from_nir as snntorch_import
from spikingjelly.activation_based import functional, layer, neuron
from spikingjelly.activation_based.model import sew_resnet
from spikingjelly.activation_based.nir_exchange import import_from_nir as sj_import
from torch import nn

from snn2hw.backends.reference import simulate
from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.ir.io import write_graph
from snn2hw.nn import layers as L
from snn2hw.nn.neurons import IFNode, LIFNode

from .nets import randomize

T = 4


@pytest.fixture(autouse=True)
def _seeded():
    """Weights drawn from torch's default initialisation: the same on every run."""
    torch.manual_seed(0)


def written(model, shape, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        write_graph(torch_to_graph(model, shape, T), path)
    return nir.read(path)


def test_files_pass_nir_read_with_its_type_checks(tmp_path):
    model = sew_resnet.sew_resnet18(cnf="ADD", num_classes=4,
                                    spiking_neuron=lambda **_: neuron.IFNode(step_mode="m"))
    functional.set_step_mode(model, "m")
    graph = written(model, (3, 32, 32), tmp_path / "sew.nir")  # with the OR max pool
    checked = nir.NIRGraph(nodes=graph.nodes, edges=graph.edges, type_check=True)
    assert {"SumPool2d", "Threshold"} <= {type(n).__name__ for n in checked.nodes.values()}


def test_spikingjelly_importer_computes_the_same(tmp_path):
    model = randomize(nn.Sequential(
        L.SeqConv2d(2, 4, 3, padding=1), L.SeqBatchNorm2d(4), IFNode(), L.SeqAvgPool2d(2),
        L.SeqFlatten(), L.SeqLinear(64, 8), LIFNode(tau=2.0, v_threshold=0.5),
        L.SeqLinear(8, 3)))
    graph = written(model, (2, 8, 8), tmp_path / "m.nir")
    x = np.random.default_rng(0).random((T, 3, 2, 8, 8)).astype(np.float32) * 3
    imported = sj_import(tmp_path / "m.nir", dt=1e-4, step_mode="m")
    functional.reset_net(imported)
    with torch.no_grad():
        theirs = imported(torch.as_tensor(x))[0].numpy()
    ours = simulate(graph, x).output
    np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-6)
    assert np.abs(ours).max() > 0


def test_snntorch_importer_computes_the_same(tmp_path):
    model = randomize(nn.Sequential(L.SeqLinear(4, 8), LIFNode(tau=2.0, v_threshold=0.5),
                                    L.SeqLinear(8, 3), LIFNode(tau=3.0, v_threshold=0.05)))
    graph = written(model, (4,), tmp_path / "m.nir")
    x = np.random.default_rng(0).random((6, 3, 4)).astype(np.float32) * 3
    imported = snntorch_import(graph)
    snn_utils.reset(imported)
    with torch.no_grad():
        steps = [imported(torch.as_tensor(xt)) for xt in x]
    theirs = torch.stack([s[0] if isinstance(s, tuple) else s for s in steps]).numpy()
    ours = simulate(graph, x).output
    np.testing.assert_array_equal(theirs, ours)  # the output layer's spikes
    assert 0 < ours.mean() < 1


def test_spikingjelly_layers_export_is_read_back_by_spikingjelly(tmp_path):
    """A SpikingJelly model -> snn2hw export -> SpikingJelly's importer: the same outputs."""
    model = randomize(nn.Sequential(layer.Linear(4, 8), neuron.LIFNode(v_threshold=0.4),
                                    layer.Linear(8, 3)))
    functional.set_step_mode(model, "m")
    written(model, (4,), tmp_path / "sj.nir")
    x = torch.rand(T, 2, 4) * 3
    functional.reset_net(model)
    with torch.no_grad():
        expected = model(x).numpy()
    back = sj_import(tmp_path / "sj.nir", dt=1e-4, step_mode="m")
    functional.reset_net(back)
    with torch.no_grad():
        np.testing.assert_allclose(back(x)[0].numpy(), expected, rtol=0, atol=1e-6)
