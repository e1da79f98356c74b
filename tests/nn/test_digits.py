"""The digits models: shapes, per-neuron IMP, static and sequence inputs, and an export to NIR
that behaves exactly as the torch model (so the forward pass is torch.fx-traceable)."""

from __future__ import annotations

import warnings

import pytest
import torch

from snn2hw.errors import BadInputError, Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.nn.architectures import build_model
from snn2hw.nn.architectures.common import RepeatTime
from snn2hw.nn.neurons import LIFNode

from ..frontends.nets import assert_equivalent, randomize

IMAGES = torch.rand(3, 1, 8, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


@pytest.mark.parametrize("arch, imp_shapes, params", [
    # conv1 1*16*9, bn1 32, conv2 16*32*9, bn2 64, fc 32*16*10 + 10
    ("digits-cnn", [(1, 16, 8, 8), (1, 32, 8, 8)], 144 + 32 + 4608 + 64 + 5130),
    # fc1 64*128, bn1 256, fc2 128*128, bn2 256, fc3 128*10 + 10
    ("digits-mlp", [(1, 128), (1, 128)], 8192 + 256 + 16384 + 256 + 1290),
])
def test_static_models_give_logits_per_step_and_per_neuron_imp(arch, imp_shapes, params):
    model = build_model(arch, T=3, imp=True).eval()
    assert [tuple(m.init_state.shape) for m in (model.sn1, model.sn2)] == imp_shapes
    imp = sum(p.numel() for n, p in model.named_parameters() if n.endswith("init_state"))
    assert sum(p.numel() for p in model.parameters()) - imp == params
    assert isinstance(model.repeat, RepeatTime)
    assert tuple(model(IMAGES.float()).shape) == (3, 3, 10)


@pytest.mark.parametrize("arch", ["digits-cnn", "digits-mlp"])
def test_sequence_input_of_repeated_frames_equals_static_input(arch):
    static = randomize(build_model(arch, T=2, imp=True), seed=1).double()
    sequence = build_model(arch, T=2, imp=True, static_input=False).double().eval()
    sequence.load_state_dict(static.state_dict())
    frames = IMAGES.expand(2, *IMAGES.shape)
    torch.testing.assert_close(sequence(frames), static(IMAGES))


def test_options_reach_the_neurons():
    model = build_model("digits-mlp", neuron="lif", tau=3.0, imp=False, hidden=8)
    assert isinstance(model.sn2, LIFNode) and model.sn2.tau == 3.0 and not model.sn2.has_imp
    assert model.fc3.in_features == 8
    with pytest.raises(BadInputError, match="neuron must be one of"):
        build_model("digits-cnn", neuron="izhikevich")


@pytest.mark.parametrize("arch, config", [
    ("digits-cnn", {"channels": 4}),
    ("digits-mlp", {"hidden": 16, "neuron": "lif"}),
])
def test_export_to_nir_spikes_exactly_like_torch(arch, config):
    model = randomize(build_model(arch, T=3, imp=True, v_threshold=0.5, **config), seed=2)
    model = model.double()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        graph = torch_to_graph(model, (1, 8, 8), 3)
    assert assert_equivalent(model, graph, IMAGES * 2, 3, static=True) > 0.01
