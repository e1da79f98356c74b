"""``map_graph``: per-layer counts and cores of hand-computable graphs, checked by hand."""

from __future__ import annotations

import dataclasses
import warnings

import nir
import numpy as np
import pytest

from snn2hw.errors import Snn2hwWarning, UnsupportedError
from snn2hw.hw.loihi2 import LOIHI1, LOIHI2, chip_limits
from snn2hw.hw.partition import place
from snn2hw.hw.resources import populations, stored_weight_bits
from snn2hw.ir.metadata import LOIHI_PRECISION
from snn2hw.mapping import map_graph

from . import graphs


def by_name(summary: dict) -> dict[str, dict]:
    return {layer["name"]: layer for layer in summary["layers"]}


def test_linear_lif_readout_counts():
    s = map_graph(graphs.linear_lif_readout(), "loihi2")
    n1, fc2 = by_name(s)["n1"], by_name(s)["fc2"]
    assert (n1["kind"], n1["neurons"], n1["synapses"], n1["fan_in"], n1["fan_out"]) == (
        "IF", 3, 12, 4, 2)
    assert n1["synaptic_memory_bits"] == 12 * 8 and n1["weight_bits"] == 8
    assert (fc2["kind"], fc2["neurons"], fc2["synapses"], fc2["fan_in"], fc2["fan_out"]) == (
        "readout", 2, 6, 3, 0)
    assert s["totals"] == {"neurons": 5, "synapses": 18, "synaptic_memory_bits": 144,
                           "cores": 2, "chips": 1, "mappable": True, "fits_one_chip": True}


def test_conv_pool_counts_and_loihi1_axons():
    """conv 4x2x3x3 pad 1 on 6x6: 144 neurons x 18; sum pool 2: 36 x 4; Affine 5x36; conv
    3x4x3x3 stride 2 pad 1: 27 x 36, and an input row feeds at most 2 output rows (cover 2);
    Affine 5x27."""
    layers = by_name(map_graph(graphs.conv_pool_graph(), "loihi1"))
    expect = {  # kind, neurons, synapses, fan-in, fan-out, in-axons per core
        "n1": ("IF", 144, 2592, 18, 1 + 3 * 2 * 2, 2 * 6 * 6),
        "pool": ("relay", 36, 144, 4, 5, 4 * 6 * 6),
        "fc": ("readout", 5, 180, 36, 0, 36),
        "n2": ("IF", 27, 972, 36, 5, 4 * 6 * 6),
        "fc2": ("readout", 5, 135, 27, 0, 27),
    }
    for name, row in expect.items():
        layer = layers[name]
        assert (layer["kind"], layer["neurons"], layer["synapses"], layer["fan_in"],
                layer["fan_out"], layer["in_axons_per_core"]) == row, name
        assert layer["cores"] == 1 and layer["synaptic_memory_bits"] == 8 * row[2]
    # n1 reaches one core of the pool and one of n2: two output axons per neuron
    assert layers["n1"]["out_axons_per_core"] == 144 * 2


def test_sum_of_two_sources_holds_one_weight_copy_each():
    layers = by_name(map_graph(graphs.residual(), "loihi2"))
    assert layers["c"]["fan_in"] == 2 * 2  # 2 input channels x 1x1, from a and from b
    assert layers["c"]["synapses"] == 32 * 4
    assert layers["a"]["fan_out"] == 2 + 2  # into cb and into cc


def test_neurons_per_core_limit_splits_a_layer_and_the_chip():
    """8,192 x 128 + 1 neurons need 129 Loihi 2 cores: two chips."""
    s = map_graph(graphs.wide_linear(1, 8192 * 128 + 1), "loihi2")
    assert s["layers"][0]["cores"] == 129 and s["layers"][0]["neurons_per_core"] == 8192
    assert (s["totals"]["chips"], s["totals"]["mappable"], s["totals"]["fits_one_chip"]) == (
        2, True, False)


def test_synaptic_memory_limit():
    """2,048 8-bit synapses + 64 state bits per neuron: 192 KiB hold 95 neurons (96 without
    the state)."""
    layer = map_graph(graphs.wide_linear(2048, 100), "loihi2")["layers"][0]
    assert 1_572_864 // (2048 * 8 + 64) == 95
    assert (layer["neurons_per_core"], layer["cores"]) == (95, 2)


def test_loihi1_fan_in_axon_limit_is_reported():
    s = map_graph(graphs.wide_linear(5000, 2), "loihi1")
    assert not s["totals"]["mappable"] and not s["totals"]["fits_one_chip"]
    assert s["problems"] == ["n: fan-in needs 5000 input axons per core, a core receives at "
                             "most 4096"]


def test_loihi1_fan_out_axon_limit_adds_cores():
    """n2: 1,024 x 8 bits per neuron -> 128 per core -> 5 cores; each n1 neuron reaches those 5,
    so a core of n1 sends 4,096 // 5 = 819 neurons' axons: 2 cores instead of 1."""
    g = graphs.graph([1], {"fc1": nir.Linear(np.ones((1024, 1))), "n1": graphs.if_node(1024),
                           "fc2": nir.Linear(np.ones((600, 1024))), "n2": graphs.if_node(600)},
                     [("input", "fc1"), ("fc1", "n1"), ("n1", "fc2"), ("fc2", "n2"),
                      ("n2", "output")], [600])
    layers = by_name(map_graph(g, "loihi1"))
    assert layers["n2"]["cores"] == 5
    assert (layers["n1"]["neurons_per_core"], layers["n1"]["cores"]) == (819, 2)
    assert layers["n1"]["out_axons_per_core"] == 819 * 5


def test_conv_tiles_shrink_to_the_input_axon_limit():
    """20 input axons: a 1x1-output tile reads 2 channels x 3x3 = 18; 2 outputs would read 24.
    So 4 channels x 1 x 1 per core, 36 cores; at 17 axons nothing fits."""
    pops = populations(graphs.conv_if(), LOIHI1.weight_bits)
    placed = place(pops, dataclasses.replace(LOIHI1, in_axons_per_core=20))["n"]
    assert (placed.tile, placed.cores, placed.in_axons_per_core, placed.problems) == (
        (4, 1, 1), 36, 18, [])
    placed = place(pops, dataclasses.replace(LOIHI1, in_axons_per_core=17))["n"]
    assert placed.problems == ["the smallest tile needs 18 input axons, a core receives at "
                               "most 17"]


def test_depthwise_tiles_split_channels_to_the_input_axon_limit():
    """The 2x2 sum pool over 4 channels, 8 input axons per core: 2 channels x 1 x 1 outputs read
    2 x 2 x 2 = 8 inputs; all 4 channels would read 16. 2 x 3 x 3 = 18 cores."""
    pops = populations(graphs.conv_pool_graph(), LOIHI1.weight_bits)
    placed = place(pops, dataclasses.replace(LOIHI1, in_axons_per_core=8))["pool"]
    assert (placed.tile, placed.cores, placed.in_axons_per_core, placed.problems) == (
        (2, 1, 1), 18, 8, [])


def test_a_neuron_larger_than_a_core_is_reported():
    chip = dataclasses.replace(LOIHI2, memory_bits=90)  # n1 needs 4 x 8 + 64 = 96 bits
    placed = place(populations(graphs.linear_lif_readout(), chip.weight_bits), chip)
    assert placed["n1"].problems == ["one neuron needs 96 bits, a core holds 90"]
    assert placed["fc2"].problems == []  # 3 x 8 + 64 = 88


@pytest.mark.parametrize("weights, bits", [
    ([3, -4, 6, 2], 4), ([8, 16, 24], 2), ([255], 8), ([-128, 127], 8), ([-129, 1], 9),
    ([254, -256], 8), ([0, 0], 1), ([-6, -2], 2), ([1], 1),
])
def test_stored_weight_bits(weights, bits):
    assert stored_weight_bits(np.array(weights, dtype=float)) == bits


def test_quantised_graph_uses_its_stored_integers():
    g = graphs.linear_lif_readout()
    g.nodes["fc1"].weight = np.array([[3, -4, 6, 2], [0] * 4, [1] * 4], dtype=float)  # 4 bits
    g.nodes["fc2"].weight = np.array([[8, 16, 24], [0, 8, 0]], dtype=float)  # 1, 2, 3: 2 bits
    float_bits = by_name(map_graph(g, "loihi2"))["n1"]["synaptic_memory_bits"]
    g.metadata[LOIHI_PRECISION] = "fixed"
    s = map_graph(g, "loihi2")
    assert float_bits == 12 * 8 and s["quantised"]
    assert [(x["weight_bits"], x["synaptic_memory_bits"]) for x in s["layers"]] == [
        (4, 48), (2, 12)]


def test_unknown_nodes_are_all_named():
    g = graphs.linear_lif_readout()
    g.nodes["n1"] = nir.Scale(np.ones(3))
    with pytest.raises(UnsupportedError, match=r"'n1' \(Scale\)"):
        map_graph(g, "loihi2")


def test_every_figure_has_a_source():
    for name in ("loihi2", "loihi1"):
        chip = chip_limits(name)
        assert chip.sources and all(isinstance(s, str) and "[" in s for s in chip.sources)
    assert LOIHI2.neurons_per_chip == 1_048_576 and LOIHI1.neurons_per_chip == 131_072


def test_quantised_model_file_counts_its_integers(tmp_path):
    """digits-cnn through ``quantize --mode loihi``: the sum pool's unit weights take 1 bit, the
    convolutions and the readout their 8-bit mantissas."""
    from snn2hw.ir.io import write_graph
    from snn2hw.mapping import map_file
    from snn2hw.passes.quantize_loihi import quantize_loihi
    from tests.exported import exported_graph

    graph = exported_graph("digits-cnn", [1, 8, 8], 2)
    write_graph(quantize_loihi(graph), tmp_path / "q.nir")
    with warnings.catch_warnings():  # NIR's type check does not know folded pools
        warnings.simplefilter("ignore", Snn2hwWarning)
        quantised = map_file(tmp_path / "q.nir")
    plain = map_graph(graph)
    assert quantised["quantised"] and not plain["quantised"]
    bits = {layer["name"]: layer["weight_bits"] for layer in quantised["layers"]}
    assert bits == {"sn1": 8, "sn2": 8, "pool": 1, "fc": 8}
    pool = by_name(quantised)["pool"]
    assert pool["synaptic_memory_bits"] == pool["synapses"] * 1
    saved = by_name(plain)["pool"]["synaptic_memory_bits"] - pool["synaptic_memory_bits"]
    assert plain["totals"]["synaptic_memory_bits"] - quantised["totals"][
        "synaptic_memory_bits"] == saved


def test_a_neuron_fed_without_synapses_is_named():
    g = graphs.graph([3], {"n": graphs.if_node(3)}, [("input", "n"), ("n", "output")], [3])
    with pytest.raises(UnsupportedError, match="fed by no synapse node: n"):
        map_graph(g, "loihi2")


def test_nir_paper_cnn_fits_one_loihi2_chip(nir_paper):
    """The NIR paper's N-MNIST CNN (run on Loihi 2 there): conv 2->16 k5 s2 p1 on 34x34 gives
    16x16x16 = 4,096 IF neurons with 2 x 25 = 50 synapses each, and each of them drives
    16 x 3 x 3 = 144 synapses of the next conv; 50 x 8 + 64 = 464 bits per neuron, so 192 KiB
    hold 3,389 of them: 2 cores."""
    from snn2hw.mapping import map_file

    s = map_file(nir_paper / "02_cnn" / "cnn_sinabs.nir")
    first = s["layers"][0]
    assert (first["neurons"], first["fan_in"], first["synapses"], first["fan_out"]) == (
        4096, 50, 204_800, 144)
    assert 1_572_864 // 464 == 3389 and first["cores"] == 2
    assert s["totals"]["fits_one_chip"] and s["totals"]["neurons"] == 10_122
