"""Small SNNs for scikit-learn's 8x8 digits: the models the demo and tests train in seconds.

Both take a static image ``[B, 1, 8, 8]`` (pixels in [0, 1]) by default: the first layer
(conv or linear + BN) runs once and is repeated over ``T`` (direct encoding, as the paper's
static-image stem), then spiking layers, and a non-spiking linear readout per time step.
"""

from __future__ import annotations

from torch import Tensor, nn

from snn2hw.nn.architectures.common import NeuronSpec, RepeatTime
from snn2hw.nn.layers import (
    SeqAvgPool2d,
    SeqBatchNorm1d,
    SeqBatchNorm2d,
    SeqConv2d,
    SeqFlatten,
    SeqLinear,
)


def _spec(neuron: str, tau: float, imp: bool, imp_sigmoid: bool, v_threshold: float,
          surrogate: str) -> NeuronSpec:
    return NeuronSpec(kind=neuron, tau=tau, imp=imp, imp_sigmoid=imp_sigmoid,
                      v_threshold=v_threshold, surrogate=surrogate)


class DigitsCNN(nn.Module):
    """conv3x3(1->C)+BN -> neuron -> conv3x3(C->2C)+BN -> neuron -> avgpool2 -> linear."""

    def __init__(self, T: int, spec: NeuronSpec, channels: int, num_classes: int,
                 static_input: bool):
        super().__init__()
        c1, c2 = channels, 2 * channels
        if static_input:
            self.conv1 = nn.Conv2d(1, c1, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(c1)
            self.repeat: nn.Module = RepeatTime(T)
        else:
            self.conv1 = SeqConv2d(1, c1, 3, padding=1, bias=False)
            self.bn1 = SeqBatchNorm2d(c1)
            self.repeat = nn.Identity()
        self.sn1 = spec.build((c1, 8, 8))
        self.conv2 = SeqConv2d(c1, c2, 3, padding=1, bias=False)
        self.bn2 = SeqBatchNorm2d(c2)
        self.sn2 = spec.build((c2, 8, 8))
        self.pool = SeqAvgPool2d(2)
        self.flatten = SeqFlatten()
        self.fc = SeqLinear(c2 * 16, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.sn1(self.repeat(self.bn1(self.conv1(x))))
        x = self.pool(self.sn2(self.bn2(self.conv2(x))))
        return self.fc(self.flatten(x))


class DigitsMLP(nn.Module):
    """flatten -> linear(64->H)+BN -> neuron -> linear(H->H)+BN -> neuron -> linear(H->10)."""

    def __init__(self, T: int, spec: NeuronSpec, hidden: int, num_classes: int,
                 static_input: bool):
        super().__init__()
        if static_input:
            self.flatten = nn.Flatten()
            self.fc1 = nn.Linear(64, hidden, bias=False)
            self.bn1 = nn.BatchNorm1d(hidden)
            self.repeat: nn.Module = RepeatTime(T)
        else:
            self.flatten = SeqFlatten()
            self.fc1 = SeqLinear(64, hidden, bias=False)
            self.bn1 = SeqBatchNorm1d(hidden)
            self.repeat = nn.Identity()
        self.sn1 = spec.build((hidden,))
        self.fc2 = SeqLinear(hidden, hidden, bias=False)
        self.bn2 = SeqBatchNorm1d(hidden)
        self.sn2 = spec.build((hidden,))
        self.fc3 = SeqLinear(hidden, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.sn1(self.repeat(self.bn1(self.fc1(self.flatten(x)))))
        x = self.sn2(self.bn2(self.fc2(x)))
        return self.fc3(x)


def digits_cnn(T: int = 4, neuron: str = "if", tau: float = 2.0, imp: bool = True,
               imp_sigmoid: bool = False, channels: int = 16, num_classes: int = 10,
               static_input: bool = True, v_threshold: float = 1.0,
               surrogate: str = "atan") -> DigitsCNN:
    """The digits CNN (registered as ``digits-cnn``)."""
    spec = _spec(neuron, tau, imp, imp_sigmoid, v_threshold, surrogate)
    return DigitsCNN(T, spec, channels, num_classes, static_input)


def digits_mlp(T: int = 4, neuron: str = "if", tau: float = 2.0, imp: bool = True,
               imp_sigmoid: bool = False, hidden: int = 128, num_classes: int = 10,
               static_input: bool = True, v_threshold: float = 1.0,
               surrogate: str = "atan") -> DigitsMLP:
    """The digits MLP (registered as ``digits-mlp``)."""
    spec = _spec(neuron, tau, imp, imp_sigmoid, v_threshold, surrogate)
    return DigitsMLP(T, spec, hidden, num_classes, static_input)
