"""Small torch models and the comparison of a model with its exported graph."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from snn2hw.backends.reference import simulate
from snn2hw.nn import layers as L
from snn2hw.nn.neurons import BaseNode


class Residual(nn.Module):
    """``body(x) + shortcut(x)`` (identity shortcut when ``shortcut`` is None)."""

    def __init__(self, body: nn.Module, shortcut: nn.Module | None = None):
        super().__init__()
        self.body, self.shortcut = body, shortcut

    def forward(self, x):
        return self.body(x) + (x if self.shortcut is None else self.shortcut(x))


def conv_bn_sn(c_in: int, c_out: int, neuron: BaseNode, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(L.SeqConv2d(c_in, c_out, 3, stride, 1, bias=False),
                         L.SeqBatchNorm2d(c_out), neuron)


def randomize(model: nn.Module, seed: int = 0) -> nn.Module:
    """Random BN statistics and affine parameters, and random IMP, in eval mode."""
    gen = torch.Generator().manual_seed(seed)

    def uniform(t, lo, hi):
        t.copy_(torch.rand(t.shape, generator=gen, dtype=t.dtype) * (hi - lo) + lo)

    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                uniform(m.running_mean, -0.5, 0.5)
                uniform(m.running_var, 0.3, 2.0)
                if m.affine:
                    uniform(m.weight, 0.5, 1.5)
                    uniform(m.bias, -0.2, 0.6)
            if isinstance(m, BaseNode) and m.init_state is not None:
                uniform(m.init_state, -0.5, 0.9)
    return model.eval()


def neuron_paths(model: nn.Module) -> dict[str, BaseNode]:
    return {p: m for p, m in model.named_modules() if isinstance(m, BaseNode)}


def node_name(path: str) -> str:
    """The NIR node name of a module path (torch.fx's naming)."""
    name = path.replace(".", "_")
    return "_" + name if name[0].isdigit() else name


def _recorder(records: dict, name: str):
    def hook(module, args, out):
        records[name] = out.detach().numpy()
    return hook


def torch_spikes(model: nn.Module, x: torch.Tensor) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The model's output and every neuron's spikes, keyed by the NIR node name."""
    records, handles = {}, []
    for path, m in neuron_paths(model).items():
        handles.append(m.register_forward_hook(_recorder(records, node_name(path))))
    try:
        with torch.no_grad():
            out = model(x).detach().numpy()
    finally:
        for h in handles:
            h.remove()
    return out, records


def assert_equivalent(model, graph, x: torch.Tensor, T: int, static: bool = False,
                      atol: float = 1e-9) -> float:
    """Spikes equal at every neuron and step, outputs within ``atol``; returns the firing rate."""
    out, spikes = torch_spikes(model, x)
    seq = np.broadcast_to(x.numpy(), (T, *x.shape)) if static else x.numpy()
    result = simulate(graph, np.ascontiguousarray(seq), dtype=x.dtype, record=True)
    assert set(spikes) <= set(result.records), sorted(set(spikes) - set(result.records))
    for name, s in spikes.items():
        np.testing.assert_array_equal(result.records[name], s, err_msg=name)
    np.testing.assert_allclose(result.output, out, rtol=0, atol=atol)
    return float(np.mean([s.mean() for s in spikes.values()])) if spikes else 0.0


