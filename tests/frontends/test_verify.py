"""``snn2hw verify``: differences between a source model and its graph, explained."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from spikingjelly.activation_based import functional, layer, neuron
from torch import nn

from snn2hw.checkpoint import Checkpoint, save_checkpoint
from snn2hw.cli import main
from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.ir.io import write_graph
from snn2hw.nn import layers as L
from snn2hw.nn.architectures import build_model
from snn2hw.nn.neurons import IFNode
from snn2hw.verify import verify

from .nets import randomize


@pytest.fixture(autouse=True)
def _seeded():
    """Weights drawn from torch's default initialisation: the same on every run."""
    torch.manual_seed(0)


def chain() -> nn.Module:
    """x -> w=1 -> IF -> w=2 -> IF: an input of exactly 1 puts the first neuron on its threshold,
    where the source fires (v >= v_th) and NIR does not (v > v_th)."""
    model = nn.Sequential(L.SeqLinear(1, 1, bias=False), IFNode(), L.SeqLinear(1, 1, bias=False),
                          IFNode()).double()
    with torch.no_grad():
        model[0].weight.fill_(1.0)
        model[2].weight.fill_(2.0)
    return model


def graph_of(model, shape=(1,), T=2, dt=0.5):  # dt = 0.5: r = 2 and dt * r = 1 exactly
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        return torch_to_graph(model, shape, T, dt=dt)


def test_exported_spikingjelly_model_is_identical_in_float64():
    model = nn.Sequential(layer.Conv2d(2, 4, 3, padding=1), layer.BatchNorm2d(4),
                          neuron.LIFNode(v_threshold=0.5), layer.Flatten(), layer.Linear(256, 3))
    functional.set_step_mode(model, "m")
    model = randomize(model)
    x = np.random.default_rng(1).random((3, 2, 2, 8, 8))
    f32, f64 = verify(model, graph_of(model, (2, 8, 8), 3), x, static_input=False)
    assert f64.verdict == "identical spikes" and f64.layers[0].entries == 3 * 2 * 256
    assert f64.max_output_difference < 1e-12
    assert f32.verdict in ("identical spikes", "agrees up to float rounding")


def test_a_tie_at_the_threshold_is_rounding_and_what_follows_is_a_cascade():
    model = chain()
    x = np.array([[[1.0]], [[0.0]]])  # [T, B, 1]
    result = verify(model, graph_of(model), x, static_input=False, dtypes=(torch.float64,))[0]
    first, second = result.layers
    assert (first.differing, first.rounding, first.first_step, first.worst_margin) == (1, 1, 0, 0)
    assert (second.differing, second.cascade, second.mapping_error) == (1, 1, 0)
    assert result.verdict == "agrees up to float rounding"
    assert result.first_divergence == "layer 1 step 0 sample 0 margin 0"


def test_a_wrong_weight_is_a_mapping_error():
    model = chain()
    graph = graph_of(model)
    graph.nodes["_0"].weight = graph.nodes["_0"].weight * 0.1  # the graph computes 0.3, not 3
    x = np.array([[[3.0]], [[0.0]]])
    result = verify(model, graph, x, static_input=False, dtypes=(torch.float64,))[0]
    assert result.layers[0].mapping_error == 1 and result.layers[0].worst_margin == 2.0
    assert result.verdict == "MAPPING ERROR"


def test_cli_reports_both_dtypes_and_exits_1_on_a_mapping_error(tmp_path):
    torch.manual_seed(0)
    model = build_model("digits-mlp", T=2)
    ckpt = Checkpoint(arch="digits-mlp", config={"T": 2}, state_dict=model.state_dict(), T=2,
                      input_shape=[1, 8, 8])
    save_checkpoint(ckpt, tmp_path / "m.pt")
    graph = graph_of(model.eval(), (1, 8, 8), 2, dt=1e-4)
    write_graph(graph, tmp_path / "m.nir")
    result = CliRunner().invoke(main, ["verify", str(tmp_path / "m.pt"), str(tmp_path / "m.nir"),
                                       "--json"])
    assert result.exit_code == 0, result.output
    f32, f64 = json.loads(result.output)
    assert (f32["dtype"], f64["dtype"], f64["verdict"]) == ("float32", "float64",
                                                             "identical spikes")
    result = CliRunner().invoke(main, ["verify", str(tmp_path / "m.pt"), str(tmp_path / "m.nir"),
                                       "--dataset", "digits", "--samples", "8"])
    assert result.exit_code == 0 and "float64: identical spikes" in result.output, result.output
    first = next(n for n in graph.nodes.values() if hasattr(n, "weight"))
    first.weight = -first.weight
    write_graph(graph, tmp_path / "wrong.nir")
    result = CliRunner().invoke(main, ["verify", str(tmp_path / "m.pt"),
                                       str(tmp_path / "wrong.nir")])
    assert result.exit_code == 1 and "MAPPING ERROR" in result.output


def test_a_graph_of_another_model_is_one_line(tmp_path):
    save_checkpoint(Checkpoint(arch="digits-mlp", config={"T": 2},
                               state_dict=build_model("digits-mlp", T=2).state_dict(), T=2,
                               input_shape=[1, 8, 8]), tmp_path / "m.pt")
    write_graph(graph_of(chain()), tmp_path / "other.nir")
    result = CliRunner().invoke(main, ["verify", str(tmp_path / "m.pt"),
                                       str(tmp_path / "other.nir")])
    assert result.exit_code == 2 and "does not match the graph" in result.output
    assert result.output.count("\n") == 1
