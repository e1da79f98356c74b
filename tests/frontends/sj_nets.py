"""Running SpikingJelly models (and look-alikes of the paper's neurons) next to their export."""

from __future__ import annotations

import warnings

import nir
import numpy as np
import torch
from spikingjelly.activation_based import functional
from torch import nn

from snn2hw.backends.reference import simulate
from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.frontends.neuron_match import is_neuron, reset_states, step_mode
from snn2hw.frontends.spikingjelly import network_step_mode

from .nets import node_name


def export(model: nn.Module, shape, T: int, **kw) -> nir.NIRGraph:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        return torch_to_graph(model, shape, T, **kw)


def run(model: nn.Module, x: torch.Tensor) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The model's output on ``x [T, B, ...]`` and every neuron's spikes ``[T, B, ...]`` by NIR
    node name; a single-step network is called once per step, as its users do."""
    single = network_step_mode(model) == "s"
    records: dict[str, list] = {}
    stepped = {node_name(p) for p, m in model.named_modules() if is_neuron(m) and
               step_mode(m) == "s"}  # called once per step: stack the steps
    handles = [m.register_forward_hook(_recorder(records, node_name(p)))
               for p, m in model.named_modules() if is_neuron(m)]
    reset_states(model)
    try:
        with torch.no_grad():
            out = torch.stack([model(xt) for xt in x]) if single else model(x)
    finally:
        for handle in handles:
            handle.remove()
    spikes = {k: np.stack(v) if k in stepped else v[0] for k, v in records.items()}
    return out.numpy(), spikes


def _recorder(records: dict, name: str):
    def hook(module, args, out):
        records.setdefault(name, []).append(out.detach().numpy())
    return hook


def assert_exact(model: nn.Module, graph: nir.NIRGraph, x: torch.Tensor,
                 atol: float = 1e-9) -> float:
    """Spikes equal at every neuron and step, outputs within ``atol``; returns the firing rate."""
    out, spikes = run(model, x)
    result = simulate(graph, np.ascontiguousarray(x.numpy()), dtype=x.dtype, record=True)
    assert spikes and set(spikes) <= set(result.records), sorted(set(spikes) - set(result.records))
    for name, s in spikes.items():
        np.testing.assert_array_equal(result.records[name], s, err_msg=name)
    np.testing.assert_allclose(result.output, out, rtol=0, atol=atol)
    return float(np.mean([s.mean() for s in spikes.values()]))


def set_mode(model: nn.Module, mode: str) -> nn.Module:
    functional.set_step_mode(model, mode)
    return model


def inputs(shape, seed: int = 1, scale: float = 3.0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(*shape, generator=gen, dtype=torch.float64) * scale
