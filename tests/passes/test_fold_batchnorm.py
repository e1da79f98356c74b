"""Batch-norm folding: folded == unfolded (any running statistics), nothing left to fold after
one pass, and BNs that cannot be folded are kept."""

from __future__ import annotations

import copy

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from snn2hw.frontends import module_map as mm
from snn2hw.frontends.tracing import input_shapes, trace
from snn2hw.nn import layers as L
from snn2hw.passes import fold_batchnorm


def _random_bn(bn: nn.modules.batchnorm._BatchNorm, gen: torch.Generator):
    n = bn.num_features
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(n, generator=gen) * 2)
        bn.running_var.copy_(torch.rand(n, generator=gen) * 3 + 1e-3)
        if bn.affine:
            bn.weight.copy_(torch.randn(n, generator=gen))
            bn.bias.copy_(torch.randn(n, generator=gen))
    return bn


def _fold(model: nn.Module, sample: torch.Tensor):
    graph = trace(model, mm.LEAVES)
    return fold_batchnorm(model, graph, input_shapes(model, sample, mm.LEAVES))


def _bns(model):
    return [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


@settings(max_examples=25, deadline=None)
@given(c_in=st.integers(1, 4), c_out=st.integers(1, 5), k=st.sampled_from([1, 3]),
       stride=st.integers(1, 2), bias=st.booleans(), affine=st.booleans(),
       tdbn=st.booleans(), seed=st.integers(0, 2**16))
def test_conv_bn_fold_is_numerically_equal(c_in, c_out, k, stride, bias, affine, tdbn, seed):
    gen = torch.Generator().manual_seed(seed)
    bn_cls = L.ThresholdDependentBatchNorm2d if tdbn and affine else L.SeqBatchNorm2d
    bn = bn_cls(c_out) if bn_cls is not L.SeqBatchNorm2d else bn_cls(c_out, affine=affine)
    model = nn.Sequential(L.SeqConv2d(c_in, c_out, k, stride, k // 2, bias=bias),
                          _random_bn(bn, gen)).double().eval()
    x = torch.randn(2, 3, c_in, 6, 6, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        expected = model(x)
    folded = copy.deepcopy(model)
    result = _fold(folded, x[:1, :1])
    assert result.folded == {"1": "0"} and not _bns(folded)
    with torch.no_grad():
        torch.testing.assert_close(folded(x), expected, rtol=1e-10, atol=1e-10)
    again = _fold(folded, x[:1, :1])  # idempotent: nothing left, nothing changes
    assert again.folded == {} and again.remaining == []
    with torch.no_grad():
        torch.testing.assert_close(folded(x), expected, rtol=1e-10, atol=1e-10)


@settings(max_examples=15, deadline=None)
@given(n_in=st.integers(1, 6), n_out=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_linear_bn1d_fold_is_numerically_equal(n_in, n_out, seed):
    gen = torch.Generator().manual_seed(seed)
    model = nn.Sequential(L.SeqLinear(n_in, n_out), _random_bn(L.SeqBatchNorm1d(n_out), gen))
    model = model.double().eval()
    x = torch.randn(3, 2, n_in, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        expected = model(x)
    assert _fold(model, x[:1, :1]).folded == {"1": "0"}
    with torch.no_grad():
        torch.testing.assert_close(model(x), expected, rtol=1e-10, atol=1e-10)


def test_float32_layers_stay_float32():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), _random_bn(nn.BatchNorm2d(2), torch.Generator()))
    _fold(model.eval(), torch.zeros(1, 1, 5, 5))
    assert model[0].weight.dtype == torch.float32 and model[0].bias.dtype == torch.float32


class _Shared(nn.Module):
    """conv output used by BN and by a second path: folding would change the second path."""

    def __init__(self):
        super().__init__()
        self.conv, self.bn = L.SeqConv2d(2, 2, 1), L.SeqBatchNorm2d(2)

    def forward(self, x):
        y = self.conv(x)
        return self.bn(y) + y


def test_bn_whose_input_is_shared_or_not_a_layer_is_kept():
    shared = _Shared().eval()
    assert _fold(shared, torch.zeros(1, 1, 2, 3, 3)).remaining == ["bn"]
    first = nn.Sequential(L.SeqBatchNorm2d(2), L.SeqConv2d(2, 2, 1)).eval()
    assert _fold(first, torch.zeros(1, 1, 2, 3, 3)).remaining == ["0"]


def test_bn1d_over_channels_of_a_sequence_is_not_folded_into_a_linear():
    # Linear acts on the last dim L, BN1d normalises dim C of [N, C, L]: not the same features.
    model = nn.Sequential(L.SeqLinear(3, 3), L.SeqBatchNorm1d(3)).eval()
    assert _fold(model, torch.zeros(1, 1, 3, 3)).remaining == ["1"]
