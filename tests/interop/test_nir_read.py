"""Every .nir snn2hw writes opens with plain ``nir.read`` and its type checks, and reads back
into snn2hw unchanged (grouped convolutions are written dense, see snn2hw.ir.io)."""

from __future__ import annotations

import warnings

import nir
import numpy as np
import pytest

from snn2hw.errors import Snn2hwWarning
from snn2hw.ir.io import read_graph, write_graph
from snn2hw.registry import tool

from ..exported import exported_graph

QUANTIZE = {"weight_bits": 8, "input_scale": 16.0}


def written(tmp_path, graph, name="g.nir"):
    path = tmp_path / name
    write_graph(graph, path)
    return path


@pytest.mark.parametrize("arch", ["digits-cnn", "digits-mlp"])
@pytest.mark.parametrize("mode", [None, "loihi", "generic"])
def test_exported_and_quantised_files_pass_plain_nir_read(tmp_path, arch, mode):
    graph = exported_graph(arch, [1, 8, 8], 4)
    if mode:
        graph = tool("fixed.modes")[mode].quantize(graph, dict(QUANTIZE), None)
    path = written(tmp_path, graph)
    theirs = nir.read(path)  # type_check=True: raises on any type mismatch
    assert set(theirs.nodes) == set(graph.nodes)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Snn2hwWarning)  # no "type check failed" fallback
        ours = read_graph(path)
    for name, node in graph.nodes.items():
        back = ours.nodes[name]
        assert type(back) is type(node)
        if isinstance(node, nir.Conv2d):
            assert back.groups == node.groups and np.array_equal(back.weight, node.weight)
            assert set(back.metadata) == set(node.metadata)


def test_a_grouped_conv_is_written_as_the_dense_conv_it_equals(tmp_path):
    import torch

    weight = np.arange(4 * 1 * 2 * 2, dtype=np.float64).reshape(4, 1, 2, 2)
    nodes = {"input": nir.Input(np.array([4, 6, 6])),
             "conv": nir.Conv2d(input_shape=(6, 6), weight=weight, stride=2, padding=0,
                                dilation=1, groups=4, bias=np.zeros(4)),
             "output": nir.Output(np.array([4, 3, 3]))}
    graph = nir.NIRGraph(nodes=nodes, edges=[("input", "conv"), ("conv", "output")],
                         type_check=False)
    dense = nir.read(written(tmp_path, graph)).nodes["conv"]
    assert dense.groups == 1 and dense.weight.shape == (4, 4, 2, 2)
    x = torch.rand(1, 4, 6, 6, dtype=torch.float64)
    grouped = torch.nn.functional.conv2d(x, torch.from_numpy(weight), stride=2, groups=4)
    full = torch.nn.functional.conv2d(x, torch.from_numpy(dense.weight), stride=2)
    assert torch.equal(grouped, full)
