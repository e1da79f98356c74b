"""SEW-ResNet (Fang et al., NeurIPS 2021) as in the paper's ImageNet code (IMP-SNN ``in1k/LTS``).

torchvision's ResNet layout with spiking layers: stem conv + BN (run once on a static image and
repeated over ``T`` when ``static_input``), IF neuron ``sn1``, AvgPool2d(3, 2, 1) in place of the
max-pool, SEW blocks with the ADD connection (``out = sn2(bn2(conv2(...))) + identity``), a
downsample path conv1x1 + BN followed by its own neuron ``downsample_sn``, then global average
pooling and a linear layer per time step. Parameter names equal torchvision's, so the paper's
checkpoints (and torchvision's ANN weights) load; neurons only own ``init_state`` with IMP.
"""

from __future__ import annotations

from torch import Tensor, nn

from snn2hw.nn.architectures.common import NeuronSpec, RepeatTime, as_hw, conv_out
from snn2hw.nn.layers import (
    SeqAdaptiveAvgPool2d,
    SeqAvgPool2d,
    SeqBatchNorm2d,
    SeqConv2d,
    SeqFlatten,
    SeqLinear,
)

Size = tuple[int, int]


def _conv(cin: int, cout: int, kernel: int, stride: int = 1) -> SeqConv2d:
    return SeqConv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False)


class SEWBlock(nn.Module):
    """A SEW block: ``residual(x) + identity`` where the identity is ``x`` or, when the shape
    changes, ``downsample_sn(downsample(x))``. Subclasses build ``residual`` and ``last_bn``."""

    expansion = 1

    def _set_shortcut(self, downsample: nn.Module | None, spec: NeuronSpec,
                      shape: tuple[int, int, int]) -> None:
        self.downsample = downsample
        if downsample is not None:
            self.downsample_sn = spec.build(shape)
        self.out_size: Size = shape[1:]

    def residual(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def last_bn(self) -> nn.BatchNorm2d:
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample_sn(self.downsample(x))
        return self.residual(x) + identity


class BasicBlock(SEWBlock):
    """Two 3x3 conv-BN-neuron stages."""

    def __init__(self, inplanes: int, planes: int, stride: int, downsample: nn.Module | None,
                 spec: NeuronSpec, size: Size):
        super().__init__()
        out = conv_out(size, 3, stride, 1)
        self.conv1 = _conv(inplanes, planes, 3, stride)
        self.bn1 = SeqBatchNorm2d(planes)
        self.sn1 = spec.build((planes, *out))
        self.conv2 = _conv(planes, planes, 3)
        self.bn2 = SeqBatchNorm2d(planes)
        self.sn2 = spec.build((planes, *out))
        self._set_shortcut(downsample, spec, (planes, *out))

    def residual(self, x: Tensor) -> Tensor:
        return self.sn2(self.bn2(self.conv2(self.sn1(self.bn1(self.conv1(x))))))

    def last_bn(self) -> nn.BatchNorm2d:
        return self.bn2


class Bottleneck(SEWBlock):
    """1x1 - 3x3 (stride here, ResNet v1.5) - 1x1, each followed by BN and a neuron."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int, downsample: nn.Module | None,
                 spec: NeuronSpec, size: Size):
        super().__init__()
        out = conv_out(size, 3, stride, 1)
        self.conv1 = _conv(inplanes, planes, 1)
        self.bn1 = SeqBatchNorm2d(planes)
        self.sn1 = spec.build((planes, *size))
        self.conv2 = _conv(planes, planes, 3, stride)
        self.bn2 = SeqBatchNorm2d(planes)
        self.sn2 = spec.build((planes, *out))
        self.conv3 = _conv(planes, planes * 4, 1)
        self.bn3 = SeqBatchNorm2d(planes * 4)
        self.sn3 = spec.build((planes * 4, *out))
        self._set_shortcut(downsample, spec, (planes * 4, *out))

    def residual(self, x: Tensor) -> Tensor:
        x = self.sn2(self.bn2(self.conv2(self.sn1(self.bn1(self.conv1(x))))))
        return self.sn3(self.bn3(self.conv3(x)))

    def last_bn(self) -> nn.BatchNorm2d:
        return self.bn3


class SEWResNet(nn.Module):
    """Multi-step SEW-ResNet: ``[B, C, H, W]`` (static) or ``[T, B, C, H, W]`` to logits
    ``[T, B, classes]``."""

    # stages added by name in __init__
    layer1: nn.Sequential
    layer2: nn.Sequential
    layer3: nn.Sequential
    layer4: nn.Sequential

    def __init__(self, block: type[SEWBlock], layers: list[int], *, cifar_stem: bool,
                 num_classes: int, T: int, static_input: bool, input_size: Size,
                 spec: NeuronSpec, in_channels: int = 3, zero_init_residual: bool = False):
        super().__init__()
        kernel, stride = (3, 1) if cifar_stem else (7, 2)
        conv, norm = (nn.Conv2d, nn.BatchNorm2d) if static_input else (SeqConv2d, SeqBatchNorm2d)
        self.conv1 = conv(in_channels, 64, kernel, stride=stride, padding=kernel // 2, bias=False)
        self.bn1 = norm(64)
        self.repeat = RepeatTime(T) if static_input else nn.Identity()
        size = conv_out(input_size, kernel, stride, kernel // 2)
        self.sn1 = spec.build((64, *size))
        self.pool = nn.Identity() if cifar_stem else SeqAvgPool2d(3, 2, 1)
        size = size if cifar_stem else conv_out(size, 3, 2, 1)
        self.inplanes = 64
        for index, (planes, blocks) in enumerate(zip((64, 128, 256, 512), layers)):
            stride = 1 if index == 0 else 2
            stage, size = self._make_layer(block, planes, blocks, stride, spec, size)
            self.add_module(f"layer{index + 1}", stage)
        self.avgpool = SeqAdaptiveAvgPool2d(1)
        self.flatten = SeqFlatten()
        self.fc = SeqLinear(512 * block.expansion, num_classes)
        self._init_weights(zero_init_residual)

    def _make_layer(self, block: type[SEWBlock], planes: int, blocks: int, stride: int,
                    spec: NeuronSpec, size: Size) -> tuple[nn.Sequential, Size]:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(_conv(self.inplanes, planes * block.expansion, 1, stride),
                                       SeqBatchNorm2d(planes * block.expansion))
        stage = []
        for index in range(blocks):
            stage.append(block(self.inplanes, planes, stride if index == 0 else 1,
                               downsample if index == 0 else None, spec, size))
            self.inplanes, size = planes * block.expansion, stage[-1].out_size
        return nn.Sequential(*stage), size

    def _init_weights(self, zero_init_residual: bool) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, SEWBlock):
                    nn.init.zeros_(m.last_bn().weight)

    def forward(self, x: Tensor) -> Tensor:
        x = self.pool(self.sn1(self.repeat(self.bn1(self.conv1(x)))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.flatten(self.avgpool(x)))


def _sew(block: type[SEWBlock], layers: list[int], cifar_stem: bool, *, num_classes: int,
         T: int = 4, neuron: str = "if", tau: float = 2.0, v_threshold: float = 1.0,
         reset: str = "hard", surrogate: str = "atan", detach_reset: bool = False,
         imp: bool = False, imp_sigmoid: bool = False, input_size: int | list[int] = 224,
         static_input: bool = True, in_channels: int = 3,
         zero_init_residual: bool = False) -> SEWResNet:
    """Build a SEW-ResNet; every option is a JSON value (options are listed in docs/models.md)."""
    spec = NeuronSpec(kind=neuron, tau=tau, v_threshold=v_threshold, reset=reset,
                      surrogate=surrogate, detach_reset=detach_reset, imp=imp,
                      imp_sigmoid=imp_sigmoid)
    return SEWResNet(block, layers, cifar_stem=cifar_stem, num_classes=num_classes, T=T,
                     static_input=static_input, input_size=as_hw(input_size), spec=spec,
                     in_channels=in_channels, zero_init_residual=zero_init_residual)


def sew_resnet18(num_classes: int = 1000, **options) -> SEWResNet:
    """SEW-ResNet-18 for ImageNet (``options``: T, neuron, tau, v_threshold, reset, surrogate,
    detach_reset, imp, imp_sigmoid, input_size, static_input, in_channels, zero_init_residual)."""
    return _sew(BasicBlock, [2, 2, 2, 2], False, num_classes=num_classes, **options)


def sew_resnet34(num_classes: int = 1000, **options) -> SEWResNet:
    """SEW-ResNet-34 for ImageNet."""
    return _sew(BasicBlock, [3, 4, 6, 3], False, num_classes=num_classes, **options)


def sew_resnet50(num_classes: int = 1000, **options) -> SEWResNet:
    """SEW-ResNet-50 for ImageNet (bottleneck blocks)."""
    return _sew(Bottleneck, [3, 4, 6, 3], False, num_classes=num_classes, **options)


def sew_resnet101(num_classes: int = 1000, **options) -> SEWResNet:
    """SEW-ResNet-101 for ImageNet (bottleneck blocks [3, 4, 23, 3])."""
    return _sew(Bottleneck, [3, 4, 23, 3], False, num_classes=num_classes, **options)


def sew_resnet152(num_classes: int = 1000, **options) -> SEWResNet:
    """SEW-ResNet-152 for ImageNet (bottleneck blocks [3, 8, 36, 3])."""
    return _sew(Bottleneck, [3, 8, 36, 3], False, num_classes=num_classes, **options)


def sew_resnet_cifar(num_classes: int = 10, input_size: int | list[int] = 32,
                     **options) -> SEWResNet:
    """SEW-ResNet-18 for CIFAR: 3x3 stem, no pooling, widths 64..512, blocks [2, 2, 2, 2]."""
    return _sew(BasicBlock, [2, 2, 2, 2], True, num_classes=num_classes,
                input_size=input_size, **options)
