"""Summed inputs of different number scales: one synapse copy per source (loihi_fanin)."""

from __future__ import annotations

import nir
import numpy as np
import pytest
import torch

from snn2hw.backends.reference import simulate
from snn2hw.passes.fold_loihi import LOIHI
from snn2hw.passes.loihi_fanin import split_fanin
from snn2hw.passes.quantize_loihi import quantize_loihi
from tests.backends.fixed import graphs, paper_models


def pooled_residual(rng, pool=nir.AvgPool2d) -> nir.NIRGraph:
    """n0 -> pool (p, multiples of 1/4) and n0 -> conv(stride 2) -> n1; p + n1 summed into
    conv2 (as a SEW-ResNet stem's pool meets the first block's spikes) -> n2 -> readout."""
    shape, half = (4, 8, 8), (4, 4, 4)
    nodes = {
        "conv0": graphs.conv(rng, 1, 4, 8), "n0": graphs.if_node(shape),
        "pool": pool(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                     padding=np.array([0, 0])),
        "conv1": graphs.conv(rng, 4, 4, 8, stride=2), "n1": graphs.if_node(half),
        "conv2": graphs.conv(rng, 4, 4, 4, scale=0.3), "n2": graphs.if_node(half),
        "flat": nir.Flatten(input_type={"input": np.array(half)}, start_dim=0),
        "fc": nir.Affine(weight=rng.normal(size=(10, 64)) * 0.2, bias=np.zeros(10)),
    }
    edges = [("input", "conv0"), ("conv0", "n0"), ("n0", "pool"), ("n0", "conv1"),
             ("conv1", "n1"), ("pool", "conv2"), ("n1", "conv2"), ("conv2", "n2"),
             ("n2", "flat"), ("flat", "fc"), ("fc", "output")]
    return graphs.graph(nodes, edges, [1, 8, 8], [10])


def test_a_sum_of_pooled_and_spiking_inputs_gets_one_copy_per_source():
    g = pooled_residual(np.random.default_rng(0))
    split, copies = split_fanin(g)
    assert copies == {"conv2": ["conv2_from_pool"]}
    assert ("pool", "conv2_from_pool") in split.edges and ("pool", "conv2") not in split.edges
    assert ("n1", "conv2") in split.edges and ("conv2_from_pool", "n2") in split.edges
    np.testing.assert_array_equal(split.nodes["conv2_from_pool"].weight, g.nodes["conv2"].weight)
    assert not np.any(split.nodes["conv2_from_pool"].bias)  # the bias stays on one copy
    np.testing.assert_array_equal(split.nodes["conv2"].bias, g.nodes["conv2"].bias)


def test_inputs_of_one_scale_are_not_split():
    g = graphs.sew_block(np.random.default_rng(1))  # spikes of n0 and n2 summed into conv3
    assert split_fanin(g)[1] == {}


@pytest.mark.parametrize("seed", range(4))
def test_the_split_graph_computes_the_same_float_function(seed):
    rng = np.random.default_rng(seed)
    g = pooled_residual(rng)
    x = graphs.digits_like(rng, steps=5, batch=4) / 16.0
    run = {name: simulate(graph, x, dtype=torch.float64, record=True)
           for name, graph in (("original", g), ("split", split_fanin(g)[0]))}
    np.testing.assert_allclose(run["split"].output, run["original"].output, atol=1e-12)
    for name in ("n0", "n1", "n2"):
        np.testing.assert_array_equal(run["split"].records[name], run["original"].records[name])


def test_each_copy_gets_the_full_mantissa_at_its_own_input_scale():
    """Average pool of 4 spikes: scale 4. The population takes the scale at which the pooled
    copy's largest weight is the full 8-bit mantissa; the spike copy then needs 4x larger
    weights, stored as mantissa << 2 (Conv folds the exponent into its weights)."""
    q = quantize_loihi(pooled_residual(np.random.default_rng(2)))
    pooled, spiking = q.nodes["conv2_from_pool"], q.nodes["conv2"]
    assert pooled.metadata[LOIHI]["scale_in"] == 4.0
    assert spiking.metadata[LOIHI]["scale_in"] == 1.0
    assert np.abs(pooled.weight).max() == 254  # mixed signs: the even grid's largest mantissa
    assert np.all(np.mod(spiking.weight, 8) == 0)  # mantissa (even grid) << 2
    assert np.abs(spiking.weight).max() == 4 * 254
    scale = q.nodes["n2"].metadata[LOIHI]["scale"]
    assert pooled.metadata[LOIHI]["scale_out"] == spiking.metadata[LOIHI]["scale_out"] == scale


def test_sew_resnet18_with_its_pooled_stem_quantises_to_loihi():
    g = paper_models.sew18(size=16, T=2, factor=8)
    q = quantize_loihi(g, input_scale=16)
    made = {n for n in q.nodes if "_from_" in n}
    assert made == {"layer1_1_conv1_from_pool", "layer2_0_conv1_from_pool",
                    "layer2_0_downsample_0_from_pool"}
