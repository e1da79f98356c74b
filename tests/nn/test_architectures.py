"""The paper's architectures: torchvision-identical parameters, IMP shapes, SEW semantics, the
legacy LIF, the static stem, registry and JSON configs, and torch.fx traceability."""

from __future__ import annotations

import json
import operator

import pytest
import torch
import torchvision
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import fx, nn

from snn2hw.errors import BadInputError
from snn2hw.nn import layers
from snn2hw.nn.architectures import ARCHITECTURES, build_model
from snn2hw.nn.architectures.common import RepeatTime
from snn2hw.nn.architectures.sew_resnet import sew_resnet18, sew_resnet50
from snn2hw.nn.architectures.vgg import LEGACY_TAU, TEBN
from snn2hw.nn.neurons import BaseNode, IFNode, LIFNode

SMALL = {  # name -> (config, input) at a small size, T=2, batch 2
    "sew18": ({"input_size": 32, "T": 2, "num_classes": 7}, (2, 3, 32, 32)),
    "sew34": ({"input_size": 32, "T": 2, "num_classes": 7}, (2, 3, 32, 32)),
    "sew50": ({"input_size": 32, "T": 2, "num_classes": 7}, (2, 3, 32, 32)),
    "sew-cifar": ({"input_size": 16, "T": 2, "num_classes": 7}, (2, 3, 16, 16)),
    "vgg11-dvs48": ({"input_size": 16, "T": 2, "num_classes": 7}, (2, 2, 2, 16, 16)),
    "vgg11-dvs128": ({"input_size": 16, "T": 2, "num_classes": 7}, (2, 2, 2, 16, 16)),
}
LEAVES = (BaseNode, RepeatTime, TEBN)


def n_params(model: nn.Module, imp: bool = False) -> int:
    return sum(p.numel() for n, p in model.named_parameters() if n.endswith("init_state") == imp)


@pytest.mark.parametrize("name, reference, count", [
    ("sew18", torchvision.models.resnet18, 11_689_512),
    ("sew34", torchvision.models.resnet34, 21_797_672),
    ("sew50", torchvision.models.resnet50, 25_557_032),
])
def test_sew_resnet_equals_torchvision(name, reference, count):
    ours = {k: v.shape for k, v in build_model(name).state_dict().items()}
    theirs = {k: v.shape for k, v in reference().state_dict().items()}
    assert ours == theirs
    assert n_params(build_model(name)) == count


def test_sew_cifar_parameter_count():
    # torchvision R18 - 7x7 stem + 3x3 stem - 1000-way fc + 10-way fc
    assert n_params(build_model("sew-cifar")) == 11_689_512 - 9_408 + 1_728 - 513_000 + 5_130


def test_imp_shapes_follow_the_input_size():
    shapes = {n: tuple(p.shape) for n, p in sew_resnet18(imp=True, input_size=64).named_parameters()
              if n.endswith("init_state")}
    assert shapes["sn1.init_state"] == (1, 64, 32, 32)
    assert shapes["layer1.0.sn1.init_state"] == (1, 64, 16, 16)
    assert shapes["layer2.0.sn1.init_state"] == (1, 128, 8, 8)
    assert shapes["layer2.0.downsample_sn.init_state"] == (1, 128, 8, 8)
    assert shapes["layer4.1.sn2.init_state"] == (1, 512, 2, 2)
    assert len(shapes) == 1 + 8 * 2 + 3
    bottleneck = {n: tuple(p.shape) for n, p in sew_resnet50(imp=True, input_size=64)
                  .named_parameters() if n.startswith("layer2.0.")}
    assert bottleneck["layer2.0.sn1.init_state"] == (1, 128, 16, 16)  # before the strided conv2
    assert bottleneck["layer2.0.sn2.init_state"] == (1, 128, 8, 8)
    assert bottleneck["layer2.0.sn3.init_state"] == (1, 512, 8, 8)


def test_imp_parameter_totals_at_224():
    # one parameter per neuron: the figures derived in research/paper.md
    assert n_params(sew_resnet18(imp=True), imp=True) == 2_483_712
    assert n_params(build_model("vgg11-dvs48", imp=True), imp=True) == 921_600


def test_vgg11_dvs48_counts_and_layout():
    plain, tebn = build_model("vgg11-dvs48"), build_model("vgg11-dvs48", tebn=True, T=10)
    assert n_params(plain) == 9_271_498  # conv 9,219,904 + BN 5,504 + fc 46,090
    assert n_params(tebn) == n_params(plain) + 8 * 10  # one te scale per layer and step
    assert isinstance(plain.features[1], LIFNode) and isinstance(plain.features[4], nn.AvgPool2d)
    assert plain.features[1].tau == LEGACY_TAU and not plain.features[1].decay_input
    assert plain.classifier[1].in_features == 512 * 3 * 3


def test_vgg11_dvs128_counts_and_keys():
    model = build_model("vgg11-dvs128")
    assert n_params(model) == 9_230_538  # same convs and BNs as the 48x48 model, 512 -> 10 head
    keys = set(model.state_dict())
    assert {"layer1.0.conv.weight", "layer4.3.bn.running_var", "fc.weight"} <= keys
    assert model.layer1[0].spike.reset == "subtract"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1.0, 2.0, allow_nan=False), min_size=1, max_size=12))
def test_legacy_lif_equals_lif_with_tau_four_thirds(xs):
    legacy_spikes, mem = [], 0.0
    for x in xs:  # amazing-cls vgg_legacy.LIFSpike
        mem = 0.25 * mem + x
        assume(abs(mem - 1.0) > 1e-9)  # the fire rule differs only on exact ties (> vs >=)
        spike = float(mem - 1.0 > 0)
        mem = mem * (1 - spike)
        legacy_spikes.append(spike)
    node = LIFNode(tau=LEGACY_TAU, decay_input=False)
    ours = node(torch.tensor(xs, dtype=torch.float64).reshape(-1, 1))
    assert ours.flatten().tolist() == legacy_spikes


def test_zero_init_residual_makes_a_block_the_identity():
    model = sew_resnet18(zero_init_residual=True, input_size=32, T=2).eval()
    seen = {}
    model.layer1.register_forward_hook(lambda m, i, o: seen.update(x=i[0], y=o))
    with torch.no_grad():
        model(torch.rand(1, 3, 32, 32) * 4)
    # bn2 = 0 keeps sn2 silent, so out = 0 + identity for both blocks of layer1
    assert torch.equal(seen["y"], seen["x"]) and seen["x"].sum() > 0


def test_sew_add_sums_spikes_of_both_paths():
    model = sew_resnet18(input_size=32, T=2).eval()
    block = model.layer2[0]
    x = (torch.rand(2, 1, 64, 8, 8) > 0.5).float()
    with torch.no_grad():
        expected = block.residual(x) + block.downsample_sn(block.downsample(x))
        assert torch.equal(block(x), expected)


def test_static_stem_equals_a_repeated_input():
    static = sew_resnet18(input_size=32, T=3, num_classes=5).eval()
    dynamic = sew_resnet18(input_size=32, T=3, num_classes=5, static_input=False).eval()
    dynamic.load_state_dict(static.state_dict())
    image = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(static(image), dynamic(image.expand(3, 2, 3, 32, 32)), atol=1e-5)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_forward_shape_json_config_and_fx_trace(name):
    config, shape = SMALL[name]
    config = dict(config, imp=True)
    json.dumps(config)
    model = build_model(name, **config).eval()
    x = torch.rand(*shape)
    traced = fx.GraphModule(model, SnnTracer().trace(model))
    ops = {n.target for n in traced.graph.nodes if n.op in ("call_function", "call_method")}
    assert ops <= {operator.add}
    with torch.no_grad():
        y = model(x)
        assert torch.equal(traced(x), y)
    assert y.shape == (2, 2, 7)


def test_every_registered_paper_architecture_is_tested():
    assert set(SMALL) <= set(ARCHITECTURES)


@pytest.mark.parametrize("option", [{"neuron": "izhikevich"}, {"reset": "soft"},
                                    {"surrogate": "relu"}, {"T": 0}])
def test_bad_options_raise(option):
    with pytest.raises(BadInputError, match=next(iter(option))):
        build_model("sew-cifar", **option)


def test_lif_option_builds_lif_neurons():
    model = build_model("sew-cifar", neuron="lif", tau=3.0)
    assert isinstance(model.sn1, LIFNode) and model.sn1.tau == 3.0
    assert isinstance(build_model("sew-cifar").layer3[0].downsample_sn, IFNode)


class SnnTracer(fx.Tracer):
    """Leaves: snn2hw's per-step layers, neurons, the repeat module and plain torch modules."""

    def is_leaf_module(self, m: nn.Module, qualified_name: str) -> bool:
        if type(m).__module__ == layers.__name__ or isinstance(m, LEAVES):
            return True
        return super().is_leaf_module(m, qualified_name)
