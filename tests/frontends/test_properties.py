"""Hypothesis: random feed-forward and residual spiking networks export to NIR graphs that the
reference backend runs with identical spikes at every neuron and step."""

from __future__ import annotations

import warnings

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.nn import layers as L
from snn2hw.nn.neurons import IFNode, LIFNode

from .nets import Residual, assert_equivalent, randomize

T, B, SIZE = 3, 2, 8


@st.composite
def neurons(draw, shape):
    kw = dict(v_threshold=draw(st.floats(0.3, 1.5)),
              reset=draw(st.sampled_from(["hard", "subtract"])),
              v_reset=draw(st.sampled_from([0.0, -0.2])),
              imp_shape=shape if draw(st.booleans()) else None, imp_sigmoid=draw(st.booleans()))
    if draw(st.booleans()):
        return IFNode(**kw)
    return LIFNode(tau=draw(st.floats(1.2, 4.0)), decay_input=draw(st.booleans()), **kw)


@st.composite
def conv_stage(draw, c_in, size, residual):
    c_out = c_in if residual else draw(st.integers(1, 4))
    k = draw(st.sampled_from([1, 3]))
    layers = [L.SeqConv2d(c_in, c_out, k, padding=k // 2, bias=draw(st.booleans()))]
    if draw(st.booleans()):
        layers.append(L.SeqBatchNorm2d(c_out))
    layers.append(draw(neurons((c_out, size, size))))
    body = nn.Sequential(*layers)
    return (Residual(body) if residual else body), c_out


@st.composite
def networks(draw, residual_allowed: bool):
    c, size, stages = 2, SIZE, []
    for _ in range(draw(st.integers(1, 3))):
        residual = residual_allowed and draw(st.booleans())
        stage, c = draw(conv_stage(c, size, residual))
        stages.append(stage)
        if size > 2 and draw(st.booleans()):
            stages.append(L.SeqAvgPool2d(2))
            size //= 2
    if draw(st.booleans()):
        stages.append(L.SeqAdaptiveAvgPool2d(1))
        size = 1
    hidden = draw(st.integers(2, 6))
    stages += [L.SeqFlatten(), L.SeqDropout(0.2), L.SeqLinear(c * size * size, hidden)]
    if draw(st.booleans()):
        stages.append(L.SeqBatchNorm1d(hidden))
    stages += [draw(neurons((hidden,))), L.SeqLinear(hidden, 3)]
    return nn.Sequential(*stages)


def _check(model: nn.Module, seed: int) -> None:
    model = randomize(model, seed).double()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        graph = torch_to_graph(model, (2, SIZE, SIZE), T)
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(T, B, 2, SIZE, SIZE, generator=gen, dtype=torch.float64) * 3
    assert_equivalent(model, graph, x, T)


@settings(max_examples=20, deadline=None)
@given(model=networks(residual_allowed=False), seed=st.integers(0, 2**16))
def test_random_feed_forward_networks_export_exactly(model, seed):
    _check(model, seed)


@settings(max_examples=20, deadline=None)
@given(model=networks(residual_allowed=True), seed=st.integers(0, 2**16))
def test_random_residual_networks_export_exactly(model, seed):
    _check(model, seed)
