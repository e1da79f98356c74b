"""torch -> NIR export: exact equivalence with the reference backend, metadata, refusals."""

from __future__ import annotations

import warnings

import nir
import numpy as np
import pytest
import torch
from torch import nn

from snn2hw.errors import BadInputError, Snn2hwWarning, UnsupportedError
from snn2hw.frontends import DEFAULT_DT, torch_to_graph
from snn2hw.ir import metadata
from snn2hw.ir.io import read_graph, write_graph
from snn2hw.nn import layers as L
from snn2hw.nn.neurons import IFNode, LIFNode

from .nets import Residual, assert_equivalent, conv_bn_sn, randomize

T = 3


def cnn(neuron=lambda: IFNode(), imp: bool = False) -> nn.Module:
    imp_kw = (lambda shape: {"imp_shape": shape}) if imp else (lambda shape: {})
    return nn.Sequential(
        L.SeqConv2d(2, 4, 3, padding=1), L.SeqBatchNorm2d(4), IFNode(**imp_kw((4, 8, 8))),
        Residual(conv_bn_sn(4, 4, LIFNode(tau=1.7, **imp_kw((4, 8, 8))))),
        L.SeqAvgPool2d(2), L.SeqDropout(0.3), L.SeqFlatten(),
        L.SeqLinear(64, 10), L.SeqBatchNorm1d(10), neuron(), L.SeqLinear(10, 3),
    )


def inputs(shape=(T, 2, 2, 8, 8), seed=1) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(*shape, generator=gen, dtype=torch.float64) * 3


def export(model, shape=(2, 8, 8), **kw) -> nir.NIRGraph:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        return torch_to_graph(model, shape, T, **kw)


@pytest.mark.parametrize("imp", [False, True])
def test_cnn_spikes_identical_at_every_layer_and_step(imp):
    model = randomize(cnn(imp=imp)).double()
    graph = export(model)
    rate = assert_equivalent(model, graph, inputs(), T)
    assert 0.02 < rate < 0.98  # the comparison is not vacuous


def test_graph_structure_bn_folded_dropout_removed():
    graph = export(randomize(cnn()))
    kinds = [type(n).__name__ for n in graph.nodes.values()]
    assert kinds.count("Conv2d") == 2 and "Affine" in kinds and "Flatten" in kinds
    assert not {"_1", "_3_body_1", "_5", "_8"} & set(graph.nodes)  # BNs folded, dropout gone
    # residual: the block's input and its body's neuron both feed the pool
    assert {src for src, dst in graph.edges if dst == "_4"} == {"_2", "_3_body_2"}
    assert graph.nodes["input"].output_type["output"].tolist() == [2, 8, 8]
    assert graph.nodes["_6"].start_dim == 0


def test_weights_keep_float32_and_neurons_span_their_shape():
    graph = export(randomize(cnn(imp=True)))
    assert graph.nodes["_0"].weight.dtype == np.float32
    neuron = graph.nodes["_3_body_2"]
    assert neuron.tau.shape == neuron.v_threshold.shape == (4, 8, 8)
    assert neuron.metadata[metadata.V_INIT].shape == (4, 8, 8)


def test_metadata_complete_and_survives_a_file_round_trip(tmp_path):
    model = randomize(cnn(imp=True)).double()
    graph = export(model, readout="mean", arch="test-cnn", dt=1e-3)
    assert graph.metadata == {
        metadata.T: T, metadata.DT: 1e-3, metadata.READOUT: "mean",
        metadata.INPUT_ENCODING: "sequence", metadata.PRODUCER: "snn2hw 0.1.0",
        metadata.ARCH: "test-cnn",
    }
    write_graph(graph, tmp_path / "m.nir")
    back = read_graph(tmp_path / "m.nir")
    for key, value in graph.metadata.items():
        assert metadata.graph_value(back, key) == value
    np.testing.assert_array_equal(metadata.v_init(back.nodes["_2"]),
                                  metadata.v_init(graph.nodes["_2"]))
    assert_equivalent(model, back, inputs(), T)


def test_dt_changes_parameters_not_behaviour():
    model = randomize(cnn()).double()
    a, b = export(model, dt=DEFAULT_DT), export(model, dt=0.5)
    assert a.nodes["_2"].r[0, 0, 0] == pytest.approx(1e4) and b.nodes["_2"].r[0, 0, 0] == 2.0
    assert_equivalent(model, b, inputs(), T)


def test_imp_and_subtract_reset_warn_once_each():
    model = randomize(nn.Sequential(
        L.SeqLinear(4, 5), IFNode(imp_shape=(5,), reset="subtract"),
        L.SeqLinear(5, 5), LIFNode(imp_shape=(5,), imp_sigmoid=True, reset="subtract"),
    )).double()
    with pytest.warns(Snn2hwWarning) as caught:
        graph = torch_to_graph(model, (4,), T)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2 and "2 neuron layer(s)" in messages[0] and "subtract" in messages[1]
    assert metadata.reset_mode(graph.nodes["_1"]) == "subtract"
    sig = torch.sigmoid(model[3].init_state[0]).detach().numpy()
    np.testing.assert_allclose(metadata.v_init(graph.nodes["_3"]), sig)
    assert_equivalent(model, graph, inputs((T, 2, 4)), T)


def test_nonzero_v_reset_becomes_initial_potential():
    model = nn.Sequential(L.SeqLinear(3, 4), IFNode(v_reset=-0.3, v_threshold=0.7)).double()
    graph = export(model, (3,))
    np.testing.assert_array_equal(metadata.v_init(graph.nodes["_1"]), np.full(4, -0.3))
    assert_equivalent(model, graph, inputs((T, 2, 3)), T)


def test_plain_model_without_extensions_warns_nothing():
    model = nn.Sequential(L.SeqLinear(3, 4), IFNode())
    with warnings.catch_warnings():
        warnings.simplefilter("error", Snn2hwWarning)
        torch_to_graph(model, (3,), T)


def test_adaptive_pool_kernel_from_input_size():
    model = nn.Sequential(L.SeqConv2d(1, 2, 3, padding=1), IFNode(), L.SeqAdaptiveAvgPool2d((2, 1)),
                          L.SeqFlatten(), L.SeqLinear(4, 2)).double()
    graph = export(model, (1, 6, 4))
    assert graph.nodes["_2"].kernel_size.tolist() == [3, 4]
    assert_equivalent(model, graph, inputs((T, 2, 1, 6, 4)), T)


def test_the_model_is_not_modified():
    model = randomize(cnn())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    export(model)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules())


class _Mul(nn.Module):
    def forward(self, x):
        return x * 2


class _AddConst(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = L.SeqLinear(3, 3)

    def forward(self, x):
        return self.fc(x) + 1.0


class _Double(_AddConst):
    def forward(self, x):
        y = self.fc(x)
        return y + y


class _DropoutBypass(_AddConst):
    def __init__(self):
        super().__init__()
        self.drop = L.SeqDropout(0.5)

    def forward(self, x):
        y = self.fc(x)
        return self.drop(y) + y


@pytest.mark.parametrize("model, shape, match", [
    (nn.Sequential(L.SeqLinear(3, 3), nn.ReLU()), (3,), r"module '1' of type torch.nn.*ReLU"),
    (nn.Sequential(L.SeqLinear(3, 3), _Mul()), (3,), r"operation 'mul' \(File .*test_torch_export"),
    (_AddConst(), (3,), "adds a constant"),
    (_Double(), (3,), "adds a tensor to itself"),
    (_DropoutBypass(), (3,), "adds a tensor to itself"),
    (nn.Sequential(L.SeqLinear(3, 3), IFNode(reset="none")), (3,),
     r"'1' \(IFNode\).*without reset"),
    (nn.Sequential(L.SeqAdaptiveAvgPool2d(2)), (1, 5, 4), "5x4 is not a multiple of output 2x2"),
    (nn.Sequential(L.SeqLinear(3, 3), L.SeqBatchNorm1d(3, track_running_stats=False)), (3,),
     "running statistics"),
    (nn.Sequential(L.SeqConv2d(1, 1, 3, padding=1, padding_mode="circular")), (1, 4, 4),
     "padding_mode 'circular'"),
])
def test_unsupported_models_are_refused_with_the_module_named(model, shape, match):
    with pytest.raises(UnsupportedError, match=match):
        torch_to_graph(model, shape, T)


def test_nan_weights_are_refused():
    model = nn.Sequential(L.SeqLinear(3, 3), IFNode())
    with torch.no_grad():
        model[0].weight[0, 0] = float("nan")
    with pytest.raises(BadInputError, match="'0.weight' contains NaN"):
        torch_to_graph(model, (3,), T)


def test_wrong_input_shape_is_bad_input():
    with pytest.raises(BadInputError, match="does not run on an input of shape"):
        torch_to_graph(nn.Sequential(L.SeqLinear(3, 3)), (4,), T)


def test_standalone_batchnorm_is_exported_exactly():
    model = randomize(nn.Sequential(L.SeqBatchNorm2d(2), IFNode(), L.SeqFlatten(),
                                    L.SeqBatchNorm1d(8), LIFNode())).double()
    graph = export(model, (2, 2, 2))
    assert isinstance(graph.nodes["_0"], nir.Conv2d)
    assert graph.nodes["_0"].weight.shape == (2, 2, 1, 1)
    assert isinstance(graph.nodes["_3"], nir.Affine)
    assert_equivalent(model, graph, inputs((T, 2, 2, 2, 2)), T)


def test_grouped_convolution_type_checks():
    model = nn.Sequential(L.SeqConv2d(4, 6, 3, padding=1, groups=2), IFNode()).double()
    graph = export(model, (4, 5, 5))
    assert graph.nodes["_0"].input_type["input"].tolist() == [4, 5, 5]
    assert_equivalent(model, graph, inputs((T, 2, 4, 5, 5)), T)
