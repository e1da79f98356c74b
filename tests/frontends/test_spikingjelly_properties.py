"""Hypothesis: random SpikingJelly networks (neuron kinds, resets, step modes, containers, max
pooling of spikes) export to graphs with identical spikes at every neuron and step."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from spikingjelly.activation_based import layer, neuron
from torch import nn

from .nets import randomize
from .sj_nets import assert_exact, export, inputs, set_mode

T, B, SIZE = 3, 2, 8


@st.composite
def sj_neurons(draw):
    kw = dict(v_threshold=draw(st.floats(0.2, 1.0)), detach_reset=draw(st.booleans()),
              v_reset=draw(st.sampled_from([0.0, -0.2, None])))
    kind = draw(st.sampled_from(["if", "lif", "plif"]))
    if kind == "if":
        return lambda: neuron.IFNode(**kw)
    decay_input = draw(st.booleans())
    tau = draw(st.floats(1.2, 4.0))
    if kind == "lif":
        return lambda: neuron.LIFNode(tau=tau, decay_input=decay_input, **kw)
    return lambda: neuron.ParametricLIFNode(init_tau=tau, decay_input=decay_input, **kw)


@st.composite
def networks(draw):
    sn = draw(sj_neurons())
    mode = draw(st.sampled_from(["m", "s"]))
    c, size, modules = 2, SIZE, []
    for _ in range(draw(st.integers(1, 2))):
        c_out = draw(st.integers(1, 4))
        conv = [nn.Conv2d(c, c_out, 3, padding=1)] + (
            [nn.BatchNorm2d(c_out)] if draw(st.booleans()) else [])
        in_container = mode == "m" and draw(st.booleans())  # containers are multi-step
        modules += ([layer.SeqToANNContainer(*conv)] if in_container else
                    [layer.Conv2d(c, c_out, 3, padding=1), *([layer.BatchNorm2d(c_out)]
                                                             if len(conv) > 1 else [])])
        modules.append(sn())
        pool = draw(st.sampled_from([None, "max", "avg"]))
        if pool:
            modules.append(layer.MaxPool2d(2) if pool == "max" else layer.AvgPool2d(2))
            size //= 2
        c = c_out
    modules += [layer.Flatten(), layer.Linear(c * size * size, 5), sn(), layer.Linear(5, 3)]
    return set_mode(randomize(nn.Sequential(*modules)), mode).double()


@settings(max_examples=15, deadline=None)
@given(networks(), st.integers(0, 2**16))
def test_random_spikingjelly_networks_export_exactly(model, seed):
    torch.manual_seed(seed)
    assert_exact(model, export(model, (2, SIZE, SIZE), T), inputs((T, B, 2, SIZE, SIZE), seed))
