"""SynOp and energy counting on graphs small enough to count by hand."""

from __future__ import annotations

import nir
import numpy as np
import pytest

from snn2hw.backends.energy import EnergyOptions, estimate, options_for
from snn2hw.backends.energy.layers import layer_costs
from snn2hw.hw.energy_models import energy_model
from snn2hw.ir.metadata import DT, INPUT_ENCODING, T

FP32 = energy_model("45nm-fp32")


def conv_graph(encoding: str = "sequence") -> nir.NIRGraph:
    """input 1x4x4 -> conv3x3 pad 1 (1->2) -> IF -> flatten -> affine(32->3)."""
    conv = nir.Conv2d(input_shape=(4, 4), weight=np.ones((2, 1, 3, 3)), stride=1, padding=1,
                      dilation=1, groups=1, bias=np.zeros(2))
    nodes = {
        "input": nir.Input(np.array([1, 4, 4])),
        "conv": conv,
        "lif": nir.IF(r=np.ones((2, 4, 4)), v_threshold=np.full((2, 4, 4), 0.5),
                      v_reset=np.zeros((2, 4, 4))),
        "flat": nir.Flatten(input_type={"input": np.array([2, 4, 4])}, start_dim=0),
        "fc": nir.Affine(weight=np.ones((3, 32)), bias=np.zeros(3)),
        "output": nir.Output(np.array([3])),
    }
    edges = [("input", "conv"), ("conv", "lif"), ("lif", "flat"), ("flat", "fc"), ("fc", "output")]
    return nir.NIRGraph(nodes, edges, metadata={DT: 1.0, T: 2, INPUT_ENCODING: encoding})


def events(*pixels: tuple[int, int], steps: int = 2) -> np.ndarray:
    x = np.zeros((steps, 1, 1, 4, 4))
    for row, col in pixels:
        x[:, 0, 0, row, col] = 1.0
    return x


def test_dense_costs_by_hand():
    conv, fc = layer_costs(conv_graph())
    assert (conv.macs, conv.params, conv.driven_by) == (2 * 16 * 9, 20, "spikes")
    assert (fc.macs, fc.params, fc.driven_by) == (96, 99, "spikes")
    assert layer_costs(conv_graph("repeat"))[0].driven_by == "real"


def test_counts_need_no_declared_types():
    """Shapes come from the graph layer: a conv without ``input_shape`` in a graph built without
    NIR's type inference (as other tools write them) counts the same as the typed graph."""
    typed = conv_graph()
    conv = nir.Conv2d(input_shape=None, weight=np.ones((2, 1, 3, 3)), stride=1, padding=1,
                      dilation=1, groups=1, bias=np.zeros(2))
    untyped = nir.NIRGraph({**typed.nodes, "conv": conv}, typed.edges, metadata=typed.metadata,
                           type_check=False)
    assert conv.input_type == {"input": None}
    assert layer_costs(untyped) == layer_costs(typed)
    assert [(c.macs, c.in_elements, c.out_elements) for c in layer_costs(untyped)] == [
        (2 * 16 * 9, 16, 32), (96, 32, 3)]


def test_zero_input_gives_zero_synaptic_operations():
    report = estimate(conv_graph(), EnergyOptions(T=2), FP32, inputs=np.zeros((2, 1, 1, 4, 4)))
    assert report.total_sops == 0 and report.total_macs == 0 and report.energy_mj == 0


def test_rate_convention_is_T_times_rate_times_dense_macs():
    # one event in every step at one of 16 pixels: rate 1/16; conv SOPs = 2 * 1/16 * 288 = 36
    report = estimate(conv_graph(), EnergyOptions(T=2), FP32, inputs=events((0, 0)))
    assert report.layers[0].sops == pytest.approx(36.0)


@pytest.mark.parametrize(("pixel", "synapses"), [((0, 0), 2 * 4), ((0, 1), 2 * 6), ((1, 1), 2 * 9)])
def test_effective_count_sees_conv_borders(pixel, synapses):
    """A corner pixel drives a 2x2 patch of outputs, an edge pixel 2x3, an inner one 3x3 (x 2
    output channels), at each of the 2 steps."""
    report = estimate(conv_graph(), EnergyOptions(T=2, count="effective"), FP32,
                      inputs=events(pixel))
    assert report.layers[0].sops == 2 * synapses


def test_static_stem_macs_once_or_per_step():
    graph = conv_graph("repeat")
    x = np.ones((2, 1, 1, 4, 4))
    once = estimate(graph, options_for(graph), FP32, inputs=x)
    per_step = estimate(graph, options_for(graph, first_layer="per-step"), FP32, inputs=x)
    assert once.layers[0].macs == 288 and per_step.layers[0].macs == 576
    assert once.layers[0].energy_mj == pytest.approx(288 * 4.6e-9)


def test_nonbinary_inputs_as_macs():
    x = events((1, 1)) * 2  # values 2, like a SEW ADD of two spikes
    as_ac = estimate(conv_graph(), EnergyOptions(T=2), FP32, inputs=x)
    as_mac = estimate(conv_graph(), EnergyOptions(T=2, nonbinary="mac"), FP32, inputs=x)
    assert as_ac.layers[0].sops == pytest.approx(2 * (2 / 16) * 288)
    assert as_mac.layers[0].macs == 2 * 288 and as_mac.layers[0].sops == 0


def test_profile_and_upper_bound():
    graph = conv_graph()
    bound = estimate(graph, EnergyOptions(T=2), FP32)
    assert bound.rates.startswith("upper bound") and bound.total_sops == 2 * (288 + 96)
    profile = estimate(graph, EnergyOptions(T=2), FP32, profile={"mean": 0.5, "fc": 0.25})
    assert [layer.sops for layer in profile.layers] == [2 * 0.5 * 288, 2 * 0.25 * 96]


def test_loihi_charges_neuron_updates():
    report = estimate(conv_graph(), EnergyOptions(T=2), energy_model("loihi"),
                      inputs=np.zeros((2, 1, 1, 4, 4)))
    assert report.neuron_updates == 2 * 32
    assert report.energy_mj == pytest.approx(2 * 32 * 52e-9)


def test_neurons_are_charged_to_the_layer_that_drives_them():
    conv, fc = layer_costs(conv_graph())
    assert (conv.neurons, fc.neurons) == (32, 0)  # the affine readout drives no neuron
    loihi = energy_model("loihi")
    report = estimate(conv_graph(), EnergyOptions(T=2), loihi, inputs=events((1, 1)))
    assert [layer.neuron_updates for layer in report.layers] == [64, 0]
    assert report.energy_mj == pytest.approx(sum(layer.energy_mj for layer in report.layers))
    assert report.layers[0].energy_mj == pytest.approx((2 * 18 * 23.6 + 64 * 52) * 1e-9)


def test_fan_out_is_dense_synapses_per_input_element():
    conv, fc = layer_costs(conv_graph())
    assert (conv.fan_out, fc.fan_out) == (288 / 16, 3)


def test_energy_backend_interface():
    from snn2hw.backend import RunConfig
    from snn2hw.backends.energy import EnergyBackend

    backend = EnergyBackend()
    backend.compile(conv_graph(), RunConfig(extra={"count": "effective"}))
    result = backend.run(events((0, 0)))
    assert result.output.shape == (2, 1, 3)
    report = backend.report()
    assert report.layers[0].sops == 2 * 8 and report.options.count == "effective"


def test_published_consistency_check_can_fail():
    from snn2hw.backends.energy.published import PUBLISHED, PublishedRow, consistent

    row = PUBLISHED["sew34"]
    assert consistent(row, 118_013_952, FP32)
    wrong = PublishedRow("sew34", "3.88", "4.10", None, None, "test")
    assert not consistent(wrong, 118_013_952, FP32)


def test_unknown_option_and_hw_are_bad_input():
    from snn2hw.errors import BadInputError

    with pytest.raises(BadInputError, match="first_layer"):
        EnergyOptions(T=2, first_layer="twice")
    with pytest.raises(BadInputError, match="unknown hardware model 'tpu'"):
        energy_model("tpu")
