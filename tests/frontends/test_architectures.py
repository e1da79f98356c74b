"""The paper's architectures exported to NIR behave exactly as in torch (random weights, random
IMP and BN statistics, float64): identical spikes at every neuron and step."""

from __future__ import annotations

import warnings

import pytest
import torch

from snn2hw.errors import Snn2hwWarning, UnsupportedError
from snn2hw.frontends import torch_to_graph
from snn2hw.ir import metadata
from snn2hw.nn.architectures import build_model

from .nets import assert_equivalent, randomize

T, B = 2, 2


def _export(model, shape, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        return torch_to_graph(model, shape, T, **kw)


def _image(shape, batch=B, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(batch, *shape, generator=gen, dtype=torch.float64) * 2


@pytest.mark.parametrize("arch, size, batch", [
    ("sew18", 32, B), ("sew34", 32, B), ("sew50", 32, 1),
])
def test_sew_resnet_static_stem_with_imp(arch, size, batch):
    model = randomize(build_model(arch, num_classes=5, T=T, imp=True, input_size=size), seed=3)
    model = model.double()
    graph = _export(model, (3, size, size), arch=arch)
    assert metadata.graph_value(graph, metadata.INPUT_ENCODING) == "repeat"
    assert "repeat" not in graph.nodes and "conv1" in graph.nodes
    fan_in = [d for d in graph.nodes if sum(1 for _, dst in graph.edges if dst == d) >= 2]
    assert len(fan_in) >= 8  # the SEW ADDs are fan-in edges into the next layers
    rate = assert_equivalent(model, graph, _image((3, size, size), batch), T, static=True)
    assert rate > 0.01


def test_sew_cifar_sequence_input_lif():
    model = randomize(build_model("sew-cifar", num_classes=4, T=T, neuron="lif", v_threshold=0.3,
                                  static_input=False,
                                  input_size=16), seed=4).double()
    graph = _export(model, (3, 16, 16))
    assert metadata.graph_value(graph, metadata.INPUT_ENCODING) == "sequence"
    x = _image((3, 16, 16), batch=T * B).reshape(T, B, 3, 16, 16)
    assert assert_equivalent(model, graph, x, T) > 0.01


def test_vgg11_dvs48_with_imp():
    model = randomize(build_model("vgg11-dvs48", T=T, imp=True, input_size=48), seed=5).double()
    graph = _export(model, (2, 48, 48))
    x = (_image((2, 48, 48), batch=T * B) > 1.2).double().reshape(T, B, 2, 48, 48)
    assert assert_equivalent(model, graph, x, T) > 0.01


def test_vgg11_with_tebn_is_refused_naming_the_layer():
    model = build_model("vgg11-dvs48", T=T, tebn=True, input_size=16)
    with pytest.raises(UnsupportedError, match=r"features.0.bn' of type .*TEBN"):
        torch_to_graph(model, (2, 16, 16), T)
