"""Energy counts of a grouped convolution and of layers behind a SumPool2d, counted by hand.

Graph (event input, T = 2): input 4x6x6 -> Conv2d(4 -> 6, 3x3, pad 1, groups 2) -> IF ->
SumPool2d(2) -> Conv2d(6 -> 2, 1x1) -> IF -> Flatten -> Affine(18 -> 3).
"""

from __future__ import annotations

import nir
import numpy as np
import pytest

from snn2hw.backends.energy import EnergyOptions, estimate
from snn2hw.backends.energy.layers import layer_costs
from snn2hw.hw.energy_models import energy_model
from snn2hw.ir.metadata import DT, INPUT_ENCODING, T

FP32 = energy_model("45nm-fp32")


def _if(shape) -> nir.IF:
    return nir.IF(r=np.ones(shape), v_threshold=np.full(shape, 0.5), v_reset=np.zeros(shape))


def grouped_graph() -> nir.NIRGraph:
    grouped = nir.Conv2d(input_shape=(6, 6), weight=np.ones((6, 2, 3, 3)), stride=1, padding=1,
                         dilation=1, groups=2, bias=np.zeros(6))
    pointwise = nir.Conv2d(input_shape=(3, 3), weight=np.ones((2, 6, 1, 1)), stride=1,
                           padding=0, dilation=1, groups=1, bias=np.zeros(2))
    nodes = {
        "input": nir.Input(np.array([4, 6, 6])),
        "grouped": grouped, "if1": _if((6, 6, 6)),
        "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                              padding=np.array([0, 0])),
        "pointwise": pointwise, "if2": _if((2, 3, 3)),
        "flat": nir.Flatten(input_type={"input": np.array([2, 3, 3])}, start_dim=0),
        "fc": nir.Affine(weight=np.ones((3, 18)), bias=np.zeros(3)),
        "output": nir.Output(np.array([3])),
    }
    names = list(nodes)
    return nir.NIRGraph(nodes, list(zip(names[:-1], names[1:])),
                        metadata={DT: 1.0, T: 2, INPUT_ENCODING: "sequence"},
                        type_check=False)  # nir 1.0.8 infers C_in / groups as C_in


def test_dense_costs_by_hand():
    """grouped: each of the 6 * 6 * 6 outputs sums (4 / 2) * 3 * 3 = 18 inputs: 3888 MACs
    (7776 without the groups), 6 * 2 * 9 + 6 = 114 parameters, drives if1's 216 neurons.
    pointwise: 2 * 3 * 3 outputs of 6 inputs = 108 MACs; its input comes from if1 through the
    SumPool2d, so it is spike-driven; drives if2's 18 neurons. fc: 18 * 3 = 54."""
    grouped, pointwise, fc = layer_costs(grouped_graph())
    assert (grouped.macs, grouped.params, grouped.driven_by, grouped.neurons) == (
        3888, 114, "spikes", 216)
    assert (pointwise.macs, pointwise.params, pointwise.driven_by, pointwise.neurons) == (
        108, 14, "spikes", 18)
    assert (fc.macs, fc.driven_by, fc.neurons) == (54, "spikes", 0)


def test_grouped_conv_fan_out_counts_every_input_channel():
    """4 * 6 * 6 = 144 inputs, each driving 3 output channels x 9 positions: fan-out 27 (nir
    1.0.8's inferred input type of a grouped conv has 2 channels, not 4)."""
    grouped = layer_costs(grouped_graph())[0]
    assert (grouped.in_elements, grouped.fan_out) == (144, 27)


def test_upper_bound_counts_every_layer_as_accumulates():
    """Rate bound 1, T = 2: SOPs = 2 * (3888 + 108 + 54) = 8100, no MACs (every layer is
    spike-driven, the pool passes spikes through); E = 0.9 pJ * 8100."""
    report = estimate(grouped_graph(), EnergyOptions(T=2), FP32)
    assert report.total_sops == 8100 and report.total_macs == 0
    assert report.energy_mj == pytest.approx(0.9 * 8100 * 1e-9)


def _one_event() -> np.ndarray:
    """One event at channel 0, row 2, column 2 (an inner pixel) in each of 2 steps."""
    x = np.zeros((2, 1, 4, 6, 6))
    x[:, 0, 0, 2, 2] = 1.0
    return x


def test_grouped_conv_effective_count():
    """An inner input of channel 0 (group 0) drives 3 x 3 positions of the 3 output channels of
    its group: 27 synapses per step, 54 over 2 steps (108 if the groups were ignored)."""
    report = estimate(grouped_graph(), EnergyOptions(T=2, count="effective"), FP32,
                      inputs=_one_event())
    assert report.layers[0].sops == 54


def test_grouped_conv_rate_count():
    """Rate 1 / (4 * 36) per element and step: SOPs = 2 * 3888 / 144 = 54."""
    report = estimate(grouped_graph(), EnergyOptions(T=2), FP32, inputs=_one_event())
    assert report.layers[0].sops == pytest.approx(54.0)
    assert report.layers[0].energy_mj == pytest.approx(0.9 * 54 * 1e-9)
