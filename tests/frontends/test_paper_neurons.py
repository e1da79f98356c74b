"""The paper's IMP neurons (look-alikes of IMP-SNN / amazing-cls classes) as export sources."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from spikingjelly.activation_based import layer, neuron
from spikingjelly.activation_based.model import sew_resnet
from torch import nn

from snn2hw.errors import UnsupportedError
from snn2hw.ir import metadata

from .nets import randomize
from .paper_neurons import (
    DriftingIMPNode,
    LazyStateIFNode,
    LazyStateLIFNode,
    StateIFNode,
    StateLIFLegacy,
)
from .sj_nets import assert_exact, export, inputs, set_mode

T = 3


@pytest.fixture(autouse=True)
def _seeded():
    """Weights drawn from torch's default initialisation: the same on every run."""
    torch.manual_seed(0)


def materialise(model: nn.Module, shape, low=-0.3, high=0.9, seed=0) -> nn.Module:
    """One forward pass (creates the lazy IMP), then random IMP values in [low, high]."""
    with torch.no_grad():
        model(torch.zeros(1, 1, *shape))
        gen = torch.Generator().manual_seed(seed)
        for name, p in model.named_parameters():
            if name.endswith(("init_state", "mem")):
                p.copy_(torch.rand(p.shape, generator=gen) * (high - low) + low)
    return model


def cnn(sn) -> nn.Module:
    return nn.Sequential(
        layer.Conv2d(2, 4, 3, padding=1), layer.BatchNorm2d(4), sn(),
        layer.AvgPool2d(2), layer.Flatten(), layer.Linear(64, 6), sn(), layer.Linear(6, 3))


@pytest.mark.parametrize("sn", [
    lambda: LazyStateIFNode(),
    lambda: LazyStateIFNode(sigmoid_init=True, v_reset=None),
    lambda: LazyStateLIFNode(tau=1.5, v_threshold=0.5),
    lambda: LazyStateLIFNode(sigmoid_init=True, tau=2.0, decay_input=False, v_reset=-0.2),
], ids=["lazy-if", "lazy-if-sigmoid-soft", "lazy-lif", "lazy-lif-sigmoid-v-reset"])
def test_lazy_imp_neurons_export_exactly(sn):
    model = set_mode(randomize(cnn(sn)), "m")
    model = materialise(model, (2, 8, 8)).double()
    graph = export(model, (2, 8, 8), T)
    v0 = model[2].init_state.detach()[0]
    if model[2].sigmoid_init:
        v0 = torch.sigmoid(v0)
    np.testing.assert_allclose(metadata.v_init(graph.nodes["_2"]), v0.numpy(), rtol=0, atol=0)
    assert 0.02 < assert_exact(model, graph, inputs((T, 2, 2, 8, 8))) < 0.98


def test_eager_imp_neuron_starts_from_v_reset_plus_imp():
    model = nn.Sequential(layer.Linear(4, 5, step_mode="m"),
                          StateIFNode(init_state_shape=(1, 5), v_reset=0.3, step_mode="m"),
                          layer.Linear(5, 2, step_mode="m"))
    model = materialise(model, (4,)).double()
    graph = export(model, (4,), T)
    expected = model[1].init_state.detach()[0].numpy() + 0.3
    np.testing.assert_allclose(metadata.v_init(graph.nodes["_1"]), expected, rtol=0, atol=1e-15)
    assert_exact(model, graph, inputs((T, 3, 4)))


def test_legacy_vgg_style_mem_neuron():
    """The 48x48 VGG's layout: SeqToANNContainer convs and the multiplicative LIF with mem."""
    model = nn.Sequential(
        layer.SeqToANNContainer(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4)),
        StateLIFLegacy(thresh=0.4), layer.SeqToANNContainer(nn.AvgPool2d(2)),
        layer.SeqToANNContainer(nn.Conv2d(4, 4, 3, padding=1), nn.BatchNorm2d(4)),
        StateLIFLegacy(thresh=0.3), layer.SeqToANNContainer(nn.Flatten(), nn.Linear(64, 3)))
    model = materialise(randomize(model), (2, 8, 8)).double()
    graph = export(model, (2, 8, 8), T)
    np.testing.assert_array_equal(metadata.v_init(graph.nodes["_1"]),
                                  model[1].mem.detach()[0].numpy())
    assert graph.nodes["_1"].tau.flat[0] == pytest.approx(4 / 3 * 1e-4)  # 0.25 = 1 - 1/tau
    assert 0.02 < assert_exact(model, graph, inputs((T, 2, 2, 8, 8))) < 0.98


def test_sew_resnet18_with_lazy_imp():
    torch.manual_seed(0)
    model = sew_resnet.sew_resnet18(cnf="ADD", num_classes=4, spiking_neuron=lambda **_:
                                    LazyStateIFNode(step_mode="m"))
    model = materialise(set_mode(randomize(model), "m"), (3, 32, 32), 0.0, 0.6)
    model = model.double()
    graph = export(model, (3, 32, 32), 2)
    assert sum(metadata.V_INIT in n.metadata for n in graph.nodes.values()) == 20
    assert 0.02 < assert_exact(model, graph, inputs((2, 1, 3, 32, 32), scale=2.0)) < 0.98


def test_neuron_that_only_looks_like_imp_is_refused():
    model = nn.Sequential(layer.Linear(4, 5, step_mode="m"), DriftingIMPNode(step_mode="m"))
    model = materialise(model, (4,))
    with pytest.raises(UnsupportedError, match=r"module '1' \(.*DriftingIMPNode\): its spikes "
                                               r"differ from those of snn2hw's IFNode"):
        export(model, (4,), T)


def test_lazy_imp_not_yet_created_is_refused():
    model = nn.Sequential(layer.Linear(4, 5, step_mode="m"), LazyStateIFNode(step_mode="m"))
    with pytest.raises(UnsupportedError, match=r"module '1' .*created on the first forward"):
        export(model, (4,), T)


def test_plain_spikingjelly_neuron_subclass_without_imp_is_refused():
    class Custom(neuron.IFNode):
        pass

    model = nn.Sequential(layer.Linear(4, 5), Custom())
    with pytest.raises(UnsupportedError, match=r"module '1' \(.*Custom\): this neuron model"):
        export(model, (4,), T)
