"""Exported digits models (snn2hw.nn.architectures) run on Lava float spike for spike like the
reference backend: static input repeated over T, BN folded, IMP initial potentials."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from snn2hw.backends.lava import LavaBackend
from snn2hw.backends.reference import simulate

from snn2hw.backend import RunConfig
from snn2hw.data.digits import digits_for_shape
from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.ir.metadata import V_INIT
from snn2hw.nn.architectures import build_model

pytestmark = pytest.mark.lava

T = 4


def _exported(arch: str, **config):
    torch.manual_seed(0)
    model = build_model(arch, T=T, v_threshold=0.3, **config)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("init_state"):  # a non-trivial IMP
                param.uniform_(0.0, 0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)  # IMP metadata notice
        return torch_to_graph(model, [1, 8, 8], T)


@pytest.mark.parametrize("arch, config", [("digits-mlp", {"hidden": 32}),
                                          ("digits-cnn", {"channels": 4})])
def test_digits_model_on_lava_float_equals_reference(arch, config):
    graph = _exported(arch, **config)
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
