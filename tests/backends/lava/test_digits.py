"""Exported digits models (snn2hw.nn.architectures) run on Lava float spike for spike like the
reference backend: static input repeated over T, BN folded, IMP initial potentials."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from snn2hw.backend import RunConfig
from snn2hw.backends.lava import LavaBackend
from snn2hw.backends.reference import simulate
from snn2hw.data.digits import digits_for_shape
from snn2hw.ir.metadata import V_INIT

from ...exported import exported_graph

pytestmark = pytest.mark.lava

T = 4


@pytest.mark.parametrize("arch, config", [("digits-mlp", {"hidden": 32}),
                                          ("digits-cnn", {"channels": 4})])
def test_digits_model_on_lava_float_equals_reference(arch, config):
    graph = exported_graph(arch, [1, 8, 8], T, v_threshold=0.3, **config)
    images = digits_for_shape((1, 8, 8), "test", 2).x.astype(np.float64)
    x = np.broadcast_to(images, (T, *images.shape)).copy()
    backend = LavaBackend()
    backend.compile(graph, RunConfig(precision="float", record=True))
    lava = backend.run(x)
    ref = simulate(graph, x, record=True, dtype=torch.float64)
    for name in ("sn1", "sn2"):
        assert np.any(graph.nodes[name].metadata[V_INIT] != 0), "IMP should be exercised"
        assert ref.records[name].sum() > 0, f"{name} never fires: the test would be vacuous"
        np.testing.assert_array_equal(lava.records[name], ref.records[name], err_msg=name)
    np.testing.assert_allclose(lava.output, ref.output, rtol=1e-9, atol=1e-9)
