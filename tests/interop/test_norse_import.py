"""snn2hw files opened with Norse's ``from_nir`` (Norse 1.1), compared with snn2hw's reference.

Norse maps NIR's ``Flatten(start_dim=0)`` literally to ``torch.nn.Flatten(0)``, which flattens
the batch axis too (NIR's dims exclude the batch): a batched input fails with a shape error, one
sample at a time works, and so does a batch once the Flatten modules start at dim 1. Norse has
no AvgPool2d mapping (it drops the node), so graphs with average pooling do not import."""

from __future__ import annotations

import warnings

import nir
import norse.torch as norse
import numpy as np
import pytest
import torch

from snn2hw.backends.reference import simulate
from snn2hw.data.digits import digits_split
from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.ir.io import write_graph
from snn2hw.nn.architectures import build_model

T = 4


@pytest.fixture()
def mlp_file(tmp_path):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        graph = torch_to_graph(build_model("digits-mlp", T=T, imp=False), [1, 8, 8], T)
    write_graph(graph, tmp_path / "mlp.nir")
    return tmp_path / "mlp.nir"


def norse_run(module: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    """Outputs ``[T, ...]`` of a Norse graph module stepped over ``x [T, ...]``."""
    state, steps = None, []
    with torch.no_grad():
        for xt in x:
            out, state = module(xt, state)
            steps.append(out)
    return torch.stack(steps).numpy()


def batch_flatten(module: torch.nn.Module) -> torch.nn.Module:
    """The workaround: NIR's Flatten dims exclude the batch axis, torch's include it."""
    for child in module.modules():
        if isinstance(child, torch.nn.Flatten):
            child.start_dim += 1
    return module


def test_norse_computes_the_same_as_the_reference(mlp_file):
    graph = nir.read(mlp_file)
    x = np.broadcast_to(digits_split("test").x[:5] * 6, (T, 5, 1, 8, 8)).copy()
    ours = simulate(graph, x, dt=1e-4, record=True)
    imported = norse.from_nir(graph, ignore_warnings=True, dt=1e-4)
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        norse_run(imported, torch.as_tensor(x))  # Flatten(0) swallows the batch
    one_by_one = np.stack([norse_run(imported, torch.as_tensor(x[:, b])) for b in range(5)], 1)
    np.testing.assert_allclose(one_by_one, ours.output, rtol=0, atol=1e-5)
    batched = norse_run(batch_flatten(norse.from_nir(graph, ignore_warnings=True, dt=1e-4)),
                        torch.as_tensor(x))
    np.testing.assert_allclose(batched, ours.output, rtol=0, atol=1e-5)
    assert 0 < ours.records["sn2"].mean() < 1  # the hidden layers spike, not all or nothing
