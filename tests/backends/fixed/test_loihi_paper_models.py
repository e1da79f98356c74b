"""The paper's models on Loihi arithmetic: the fixed backend (Loihi mode) equals Lava fixed_pt
on the same quantised file, every spike of every population at every step and the readout.

SEW-ResNet-18 (ImageNet stem: conv 7x7/2, IF, AvgPool2d(3, 2, 1) whose output meets spikes at
the SEW ADD, downsample paths, IMP) at 3x16x16 and VGG-11-DVS48 (LIF, average pooling, IMP) at
2x48x48, both 8x narrower, random weights, random BN statistics and IMP, one sample, T = 2.
Full-size runs: benchmarks/loihi_models.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from snn2hw.backend import RunConfig
from snn2hw.backends.fixed import FixedBackend
from snn2hw.ir.graph_utils import graph_input_shape
from snn2hw.ir.io import read_graph, write_graph
from snn2hw.passes.quantize_loihi import quantize_loihi
from snn2hw.registry import create_backend

from . import paper_models

pytestmark = pytest.mark.lava
T = 2


def _agree(graph, x: np.ndarray, input_scale: float, tmp_path) -> dict:
    path = tmp_path / "model.loihi.nir"
    write_graph(quantize_loihi(graph, input_scale=input_scale), path)
    quantised = read_graph(path)
    lava = create_backend("lava")
    lava.compile(quantised, RunConfig(precision="fixed", record=True))
    expected = lava.run(x)
    fixed = FixedBackend()
    fixed.compile(quantised, RunConfig(record=True))
    got = fixed.run(x)
    assert fixed.report().mode == "loihi"
    for name, spikes in expected.records.items():
        np.testing.assert_array_equal(got.records[name], spikes, err_msg=name)
        assert 0 < spikes.mean() < 1, f"{name} is silent or saturated"
    np.testing.assert_array_equal(got.output, expected.output)
    return expected.records


def test_sew_resnet18_fixed_equals_lava_fixed_pt(tmp_path):
    graph = paper_models.sew18(size=16, T=T, factor=8)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 17, size=(1, *graph_input_shape(graph))) / 16.0  # k/16
    records = _agree(graph, np.broadcast_to(image, (T, *image.shape)), 16.0, tmp_path)
    populations = [n for n, node in graph.nodes.items() if type(node).__name__ == "IF"]
    assert sorted(records) == sorted(populations) and len(populations) == 20


def test_vgg11_dvs48_fixed_equals_lava_fixed_pt(tmp_path):
    graph = paper_models.vgg48(size=48, T=T, factor=8)
    rng = np.random.default_rng(1)
    events = (rng.uniform(size=(T, 1, *graph_input_shape(graph))) < 0.3).astype(np.float64)
    assert len(_agree(graph, events, 1.0, tmp_path)) == 8
