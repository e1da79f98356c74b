"""Agreement with an independent counter: NeuroBench's effective synaptic operations
(``neurobench.metrics.utils.layers.single_layer_MACs``). NeuroBench binarises inputs and
weights, so the comparison uses binary spikes and non-zero weights. NeuroBench is a test
dependency (requirements/nodeps.txt): this cross-check always runs."""

from __future__ import annotations

import nir
import numpy as np
import pytest
import torch
from neurobench.metrics.utils import layers

from snn2hw.backends.energy.rates import effective_ops


def _spikes(shape: tuple[int, ...], rate: float = 0.3) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return (torch.rand(shape, generator=generator) < rate).float()


@pytest.mark.parametrize(("stride", "padding", "groups"), [(1, 1, 1), (2, 1, 2), (1, 0, 1)])
def test_conv_effective_ops_agree(stride, padding, groups):
    conv = torch.nn.Conv2d(4, 6, 3, stride=stride, padding=padding, groups=groups)
    torch.nn.init.uniform_(conv.weight, 0.1, 1.0)  # no zero weights
    node = nir.Conv2d(input_shape=(9, 9), weight=conv.weight.detach().numpy(), stride=stride,
                      padding=padding, dilation=1, groups=groups, bias=np.zeros(6))
    x = _spikes((5, 4, 9, 9))
    theirs, spiking = layers.single_layer_MACs(x, conv)
    assert spiking and effective_ops(node, x) == theirs
    ones = torch.ones_like(x)  # every input active: NeuroBench's border-aware total
    assert effective_ops(node, ones) == layers.single_layer_MACs(ones, conv, total=True)[0]


def test_linear_effective_ops_agree():
    linear = torch.nn.Linear(20, 7)
    torch.nn.init.uniform_(linear.weight, 0.1, 1.0)
    node = nir.Affine(weight=linear.weight.detach().numpy(), bias=np.zeros(7))
    x = _spikes((8, 20))
    assert effective_ops(node, x) == layers.single_layer_MACs(x, linear)[0]
