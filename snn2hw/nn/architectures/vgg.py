"""VGG-11 for event inputs ``[T, B, 2, H, W]`` as in the paper's neuromorphic experiments
(AmazingLab/amazing-cls ``vgg_legacy.py`` and ``vgg.py``).

``vgg11_dvs48`` keeps the legacy model's module indices (``features.0`` conv-BN, ``features.1``
LIF, ``features.4`` pooling, ..., ``classifier.1`` linear), so the legacy checkpoints map onto it
by renaming only (:mod:`snn2hw.paper_checkpoint`). The legacy LIF, ``mem = 0.25 * mem + x``, is
``LIFNode(tau=4/3, decay_input=False)``. ``vgg11_dvs128`` keeps the key names of amazing-cls's
``VGG11`` backbone (``layer1.0.conv``, ``layer1.0.bn``, ``layer1.0.spike``) and head (``fc``).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from snn2hw.nn.architectures.common import NeuronSpec, as_hw
from snn2hw.nn.layers import (
    SeqAdaptiveAvgPool2d,
    SeqAvgPool2d,
    SeqBatchNorm2d,
    SeqConv2d,
    SeqDropout,
    SeqFlatten,
    SeqLinear,
)

LEGACY_TAU = 4.0 / 3.0  # mem = 0.25 * mem + x  <=>  v - v / tau + x with 1 - 1/tau = 0.25
WIDTHS = (64, 128, 256, 512)


class TEBN(SeqBatchNorm2d):
    """Temporal effective BN (TEBN): plain BN over T*B, then a learnable scale ``te`` per time
    step, shape ``(T, 1, 1, 1, 1)``. A per-step scale has no NIR equivalent (export refuses it)."""

    def __init__(self, num_features: int, T: int):
        super().__init__(num_features)
        self.te = nn.Parameter(torch.ones(T, 1, 1, 1, 1))

    def forward(self, x_seq: Tensor) -> Tensor:
        return super().forward(x_seq) * self.te


class ConvBN(nn.Module):
    """3x3 convolution (with bias) + BN per time step."""

    def __init__(self, cin: int, cout: int, tebn_T: int | None):
        super().__init__()
        self.conv = SeqConv2d(cin, cout, 3, padding=1)
        self.bn = SeqBatchNorm2d(cout) if tebn_T is None else TEBN(cout, tebn_T)

    def forward(self, x: Tensor) -> Tensor:
        return self.bn(self.conv(x))


class CBS(ConvBN):
    """Conv-BN-spike block of amazing-cls's VGG11 (keys ``conv``, ``bn``, ``spike``)."""

    def __init__(self, cin: int, cout: int, tebn_T: int | None, spec: NeuronSpec,
                 size: tuple[int, int]):
        super().__init__(cin, cout, tebn_T)
        self.spike = spec.build((cout, *size))

    def forward(self, x: Tensor) -> Tensor:
        return self.spike(self.bn(self.conv(x)))


def _init_convs(model: nn.Module) -> None:
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")


class VGG11Legacy48(nn.Module):
    """The legacy 48x48 VGG-11: 8 conv layers, AvgPool2d(2) after layers 2, 4, 6, 8."""

    def __init__(self, num_classes: int, spec: NeuronSpec, size: tuple[int, int],
                 in_channels: int, tebn_T: int | None, dropout: float):
        super().__init__()
        channels = (in_channels, 64, 128, 256, 256, 512, 512, 512, 512)
        features: list[nn.Module] = []
        for index in range(8):
            features.append(ConvBN(channels[index], channels[index + 1], tebn_T))
            features.append(spec.build((channels[index + 1], *size)))
            if index % 2 == 1:
                features.append(SeqAvgPool2d(2))
                size = (size[0] // 2, size[1] // 2)
        self.features = nn.Sequential(*features)
        self.flatten = SeqFlatten()
        self.classifier = nn.Sequential(SeqDropout(dropout),
                                        SeqLinear(512 * size[0] * size[1], num_classes))
        _init_convs(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.flatten(self.features(x)))


class VGG11(nn.Module):
    """amazing-cls's VGG11: stages of ``layers`` CBS blocks, AvgPool2d(2) between stages,
    global average pooling and a linear head per time step."""

    # stages and pools added by name in __init__
    layer1: nn.Sequential
    layer2: nn.Sequential
    layer3: nn.Sequential
    layer4: nn.Sequential
    mpool1: SeqAvgPool2d
    mpool2: SeqAvgPool2d
    mpool3: SeqAvgPool2d

    def __init__(self, num_classes: int, spec: NeuronSpec, size: tuple[int, int],
                 in_channels: int, tebn_T: int | None, layers: tuple[int, ...]):
        super().__init__()
        cin = in_channels
        for stage, (width, blocks) in enumerate(zip(WIDTHS, layers), start=1):
            if stage > 1:
                self.add_module(f"mpool{stage - 1}", SeqAvgPool2d(2, 2))
                size = (size[0] // 2, size[1] // 2)
            cbs = [CBS(cin if i == 0 else width, width, tebn_T, spec, size) for i in range(blocks)]
            self.add_module(f"layer{stage}", nn.Sequential(*cbs))
            cin = width
        self.gap = SeqAdaptiveAvgPool2d(1)
        self.flatten = SeqFlatten()
        self.fc = SeqLinear(WIDTHS[-1], num_classes)
        _init_convs(self)

    def forward(self, x: Tensor) -> Tensor:
        x = self.mpool1(self.layer1(x))
        x = self.mpool2(self.layer2(x))
        x = self.layer4(self.mpool3(self.layer3(x)))
        return self.fc(self.flatten(self.gap(x)))


def _spec(neuron: str, tau: float, decay_input: bool, v_threshold: float, reset: str,
          surrogate: str, detach_reset: bool, imp: bool, imp_sigmoid: bool) -> NeuronSpec:
    return NeuronSpec(kind=neuron, tau=tau, decay_input=decay_input, v_threshold=v_threshold,
                      reset=reset, surrogate=surrogate, detach_reset=detach_reset, imp=imp,
                      imp_sigmoid=imp_sigmoid)


def vgg11_dvs48(num_classes: int = 10, T: int = 10, neuron: str = "lif",
                tau: float = LEGACY_TAU, decay_input: bool = False, v_threshold: float = 1.0,
                reset: str = "hard", surrogate: str = "atan", detach_reset: bool = False,
                imp: bool = False,
                imp_sigmoid: bool = False, input_size: int | list[int] = 48,
                in_channels: int = 2, tebn: bool = False, dropout: float = 0.25) -> VGG11Legacy48:
    """The paper's legacy CIFAR10-DVS / N-Caltech101 VGG-11 at 48x48 (``tebn``: TEBN with T
    scales per layer, as the legacy code; default plain BN)."""
    spec = _spec(neuron, tau, decay_input, v_threshold, reset, surrogate, detach_reset, imp,
                 imp_sigmoid)
    return VGG11Legacy48(num_classes, spec, as_hw(input_size), in_channels,
                         T if tebn else None, dropout)


def vgg11_dvs128(num_classes: int = 10, T: int = 16, neuron: str = "lif", tau: float = 2.0,
                 decay_input: bool = True, v_threshold: float = 1.0, reset: str = "subtract",
                 surrogate: str = "sigmoid", detach_reset: bool = True, imp: bool = False,
                 imp_sigmoid: bool = False,
                 input_size: int | list[int] = 128, in_channels: int = 2,
                 tebn: bool = False) -> VGG11:
    """The paper's 128x128 VGG-11 (layers [1, 1, 2, 4]); defaults follow its configs (LIF tau 2,
    ``v_reset=None`` i.e. subtractive reset, sigmoid surrogate, detached reset)."""
    spec = _spec(neuron, tau, decay_input, v_threshold, reset, surrogate, detach_reset, imp,
                 imp_sigmoid)
    return VGG11(num_classes, spec, as_hw(input_size), in_channels, T if tebn else None,
                 (1, 1, 2, 4))
