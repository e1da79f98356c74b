"""SpikingJelly 2.0 models as export sources: identical spikes at every neuron and step."""

from __future__ import annotations

import pytest
import torch
from spikingjelly.activation_based import layer, neuron, surrogate
from spikingjelly.activation_based.model import sew_resnet, spiking_vgg
from torch import nn

from snn2hw.errors import UnsupportedError

from .nets import randomize
from .sj_nets import assert_exact, export, inputs, set_mode

T = 3

NEURONS = {  # thresholds low enough that every layer fires within T steps
    "if-hard": lambda: neuron.IFNode(),
    "if-soft": lambda: neuron.IFNode(v_reset=None, detach_reset=True),
    "if-reset-value": lambda: neuron.IFNode(v_threshold=0.8, v_reset=-0.3),
    "lif-decay-input": lambda: neuron.LIFNode(tau=1.7, v_threshold=0.4,
                                              surrogate_function=surrogate.ATan()),
    "lif-no-decay-input": lambda: neuron.LIFNode(tau=3.0, decay_input=False, v_reset=0.2),
    "lif-soft": lambda: neuron.LIFNode(tau=1.5, v_threshold=0.4, v_reset=None,
                                       detach_reset=True),
    "plif": lambda: neuron.ParametricLIFNode(init_tau=2.3, v_threshold=0.3),
    "plif-no-decay-input-soft": lambda: neuron.ParametricLIFNode(
        init_tau=4.0, decay_input=False, v_reset=None, v_threshold=0.5),
}


@pytest.fixture(autouse=True)
def _seeded():
    """Weights drawn from torch's default initialisation: the same on every run."""
    torch.manual_seed(0)


def cnn(sn) -> nn.Module:
    """Every supported SpikingJelly layer, with max pooling of spikes."""
    return nn.Sequential(
        layer.Conv2d(2, 4, 3, padding=1), layer.BatchNorm2d(4), sn(),
        layer.MaxPool2d(2, 2), layer.Conv2d(4, 4, 3, padding=1, bias=False),
        layer.BatchNorm2d(4), sn(), layer.AvgPool2d(2), layer.Dropout(0.3), layer.Flatten(),
        layer.Linear(16, 10), layer.BatchNorm1d(10), sn(), layer.Linear(10, 3),
    )


@pytest.mark.parametrize("mode", ["m", "s"])
@pytest.mark.parametrize("kind", sorted(NEURONS))
def test_layers_and_neurons_in_both_step_modes(kind, mode):
    model = set_mode(randomize(cnn(NEURONS[kind])), mode).double()
    rate = assert_exact(model, export(model, (2, 8, 8), T), inputs((T, 2, 2, 8, 8)))
    assert 0.02 < rate < 0.98  # the comparison is not vacuous


def test_containers_hold_plain_torch_layers():
    model = randomize(nn.Sequential(
        layer.SeqToANNContainer(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4)),
        neuron.LIFNode(tau=2.0, v_threshold=0.4, step_mode="m"),
        layer.SeqToANNContainer(nn.MaxPool2d(2), nn.Flatten()),
        layer.MultiStepContainer(nn.Linear(64, 8), neuron.IFNode(v_threshold=0.3,
                                                                 v_reset=None)),
        layer.SeqToANNContainer(nn.Dropout(0.2), nn.Linear(8, 3)),
    )).double()
    graph = export(model, (2, 8, 8), T)
    assert {"_2_0_0", "_2_0_1"} <= set(graph.nodes)  # the max pool: sum pool + threshold
    assert 0.02 < assert_exact(model, graph, inputs((T, 2, 2, 8, 8))) < 0.98


def test_single_step_network_with_plain_torch_layers():
    model = randomize(nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), neuron.IFNode(),
        nn.Flatten(), nn.Linear(256, 3), neuron.LIFNode(v_reset=None),
    )).double()
    assert 0.02 < assert_exact(model, export(model, (2, 8, 8), T),
                               inputs((T, 2, 2, 8, 8))) < 0.98


@pytest.mark.parametrize("sn", [
    lambda: neuron.IFNode(step_mode="m"),
    lambda: neuron.LIFNode(tau=2.0, v_threshold=0.3, v_reset=None, detach_reset=True,
                           step_mode="m"),
])
@pytest.mark.parametrize("mode", ["m", "s"])  # 's': its forward calls torch.flatten(x, 1)
def test_zoo_sew_resnet18_add(sn, mode):
    torch.manual_seed(0)
    model = sew_resnet.sew_resnet18(cnf="ADD", spiking_neuron=lambda **_: sn(), num_classes=5)
    model = set_mode(randomize(model), mode).double()
    x = inputs((2, 1, 3, 32, 32), scale=2.0)
    graph = export(model, (3, 32, 32), 2)
    assert {"maxpool_0", "maxpool_1", "flatten"} <= set(graph.nodes)
    assert 0.02 < assert_exact(model, graph, x) < 0.98


def test_zoo_spiking_vgg_bn():
    torch.manual_seed(0)
    model = spiking_vgg.SpikingVGG(cfg=[8, "M", 512], batch_norm=True, num_classes=4,
                                   spiking_neuron=lambda **_: neuron.IFNode(step_mode="m"))
    model.classifier[0] = layer.Linear(512 * 7 * 7, 16)  # smaller heads, same structure
    model.classifier[3] = layer.Linear(16, 16)
    model.classifier[6] = layer.Linear(16, 4)
    model = set_mode(randomize(model), "m").double()
    x = inputs((2, 1, 3, 14, 14), scale=2.0)
    assert 0.02 < assert_exact(model, export(model, (3, 14, 14), 2), x) < 0.98


def test_the_model_is_not_modified():
    model = set_mode(randomize(cnn(NEURONS["if-hard"])), "m")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    types = [type(m) for m in model.modules()]
    export(model, (2, 8, 8), T)
    assert types == [type(m) for m in model.modules()]
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


class Flat1(nn.Module):
    def __init__(self):
        super().__init__()
        self.sn = neuron.IFNode(step_mode="m")

    def forward(self, x):
        return torch.flatten(self.sn(x), 1)


@pytest.mark.parametrize("model, match", [
    (nn.Sequential(layer.Conv2d(2, 4, 3), layer.BatchNorm2d(4), layer.MaxPool2d(2),
                   neuron.IFNode()), r"module '2' .*MaxPool2d\): max pooling of analog"),
    (nn.Sequential(layer.Linear(4, 4), neuron.QIFNode()),
     r"module '1' \(spikingjelly\.activation_based\.neuron\.\w+\.QIFNode\): this neuron"),
    (nn.Sequential(layer.WSConv2d(2, 4, 3), neuron.IFNode()),
     r"module '0' \(spikingjelly.*WSConv2d\) has no NIR mapping"),
    (nn.Sequential(layer.Conv2d(2, 4, 3), nn.ReLU()),
     r"module '1' \(torch\.nn\.modules\.activation\.ReLU\) has no NIR mapping"),
    (nn.Sequential(layer.Linear(4, 4, step_mode="m"), neuron.IFNode()),
     r"module '1' runs single-step \('s'\) but module '0' multi-step"),
    (nn.Sequential(nn.Conv2d(2, 4, 3), neuron.IFNode(step_mode="m")),
     r"module '0' \(torch.*Conv2d\) receives \[T, B, \.\.\.\] in a multi-step network"),
    (Flat1(), r"torch\.flatten\(x, 1, -1\) .*start_dim=2"),
])
def test_unsupported_is_refused_with_the_module_named(model, match):
    shape = (4,) if isinstance(model[0] if isinstance(model, nn.Sequential) else None,
                               layer.Linear) else (2, 8, 8)
    with pytest.raises(UnsupportedError, match=match):
        export(model.double(), shape, T)
