"""snnTorch's own NIR exporter -> snn2hw: spike-exact at snnTorch's dt (1e-4 s, which its
files do not store), and the documented differences (its subtractive and delayed resets are
written as NIR's hard reset)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import snntorch as snn
import torch
from snntorch import utils as snn_utils
from snntorch.export_nir import export_to_nir

from snn2hw.backends.reference import simulate
from snn2hw.errors import Snn2hwWarning
from snn2hw.ir import metadata

SNNTORCH_DT = 1e-4  # snntorch.export_nir hard-codes it


def neuron(kind: str, n: int, beta: float, threshold: float, reset: str, **kw):
    per_neuron = dict(beta=torch.full((n,), beta), threshold=torch.full((n,), threshold),
                      reset_mechanism=reset, init_hidden=True, **kw)
    if kind == "synaptic":
        return snn.Synaptic(alpha=torch.full((n,), 0.7), **per_neuron)
    return snn.Leaky(**per_neuron)


class Net(torch.nn.Module):
    def __init__(self, kind: str, reset: str, **kw):
        super().__init__()
        self.fc1, self.fc2 = torch.nn.Linear(4, 6), torch.nn.Linear(6, 3)
        self.lif1 = neuron(kind, 6, 0.8, 0.5, reset, **kw)
        self.lif2 = neuron(kind, 3, 0.9, 0.2, reset, output=True, **kw)

    def forward(self, x):
        return self.lif2(self.fc2(self.lif1(self.fc1(x))))


def both(kind: str, reset: str, **kw) -> tuple[dict, dict]:
    """Spikes of every layer from snnTorch itself and from its NIR file in snn2hw."""
    torch.manual_seed(0)
    net = Net(kind, reset, **kw)
    graph = export_to_nir(net, torch.zeros(4))
    x = torch.rand(12, 3, 4) * 3
    theirs: dict[str, list] = {}
    for name in ("lif1", "lif2"):
        getattr(net, name).register_forward_hook(
            lambda m, a, out, name=name: theirs.setdefault(name, []).append(
                out[0] if isinstance(out, tuple) else out))
    snn_utils.reset(net)
    with torch.no_grad():
        for xt in x:
            net(xt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)  # no stored dt: 1e-4 assumed
        ours = simulate(graph, x.numpy(), dt=SNNTORCH_DT, record=True).records
    assert all(metadata.RESET not in n.metadata for n in graph.nodes.values())
    return ({k: torch.stack(v).numpy() for k, v in theirs.items()},
            {k: ours[k] for k in theirs})


@pytest.mark.parametrize("kind, kw", [("leaky", {}), ("synaptic", {"reset_delay": False})])
def test_reset_to_zero_is_spike_exact(kind, kw):
    theirs, ours = both(kind, "zero", **kw)
    for name in theirs:
        np.testing.assert_array_equal(ours[name], theirs[name], err_msg=name)
        assert 0 < theirs[name].mean() < 1


@pytest.mark.parametrize("kind, reset, kw", [
    ("leaky", "subtract", {}),                        # written as hard reset
    ("synaptic", "zero", {}),                         # delayed reset (snnTorch's default)
])
def test_documented_differences(kind, reset, kw):
    theirs, ours = both(kind, reset, **kw)
    assert any((ours[n] != theirs[n]).any() for n in theirs)
