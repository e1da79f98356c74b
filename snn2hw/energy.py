"""The ``snn2hw energy`` verb: what to estimate (an architecture, a model, a graph) and on
which rates, turned into a summary for tables, JSON and plots."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nir
import numpy as np
import torch
from torch import nn

from snn2hw import registry
from snn2hw.errors import BadInputError
from snn2hw.frontends import torch_to_graph
from snn2hw.frontends.sources import load_model_source
from snn2hw.hw.energy_models import EnergyModel, energy_model
from snn2hw.inspection import parameter_counts
from snn2hw.ir.graph import neuron_count
from snn2hw.ir.io import read_graph
from snn2hw.nn.architectures import DEFAULT_INPUT_SHAPES, build_model
from snn2hw.plots.figure import figure_format
from snn2hw.runner import load_array, prepare_inputs

if TYPE_CHECKING:  # the core reaches the energy backend only through the registry
    from snn2hw.backends.energy import EnergyReport
    from snn2hw.backends.energy.published import PublishedRow
    from snn2hw.data.spec import DatasetSpec

DEFAULT_T = 4


def _energy() -> Any:
    """The energy backend's package (estimate, options, rate profiles), from the registry."""
    return registry.tool("energy")


def _published() -> Any:
    """The energy backend's table of published figures, from the registry."""
    return registry.tool("energy.published")


@dataclass
class EnergyRequest:
    source: str | os.PathLike | None = None  # .nir graph or checkpoint
    model: str | None = None  # architecture name (no weights needed)
    T: int | None = None
    input_shape: list[int] | None = None
    dataset: str | DatasetSpec | None = None  # a --dataset spec
    input_path: str | os.PathLike | None = None
    samples: int = 64
    rates_path: str | os.PathLike | None = None
    hw: str = "45nm-fp32"
    options: dict = field(default_factory=dict)
    trust: bool = False


@dataclass
class _Target:
    graph: nir.NIRGraph
    title: str
    params: int | None = None  # of the torch model (BN unfolded), without IMP
    imp_params: int | None = None  # one per neuron when IMP is used


def weightless_model(name: str, T: int) -> nn.Module:
    """Architecture ``name`` with all weights zero: counting needs shapes, not values, and
    skipping the random initialisation of 25 M parameters halves the SEW-50 estimate."""
    with torch.device("meta"):
        model = build_model(name, T=T)
    model = model.to_empty(device="cpu")
    with torch.no_grad():
        for tensor in [*model.parameters(), *model.buffers()]:
            tensor.zero_()
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                if module.running_var is not None:
                    module.running_var.fill_(1.0)
    return model.eval()


def _torch_params(model: nn.Module) -> tuple[int, int]:
    imp = sum(p.numel() for n, p in model.named_parameters() if n.endswith("init_state"))
    return sum(p.numel() for p in model.parameters()) - imp, imp


def _target(request: EnergyRequest) -> _Target:
    if request.model:
        T = request.T or DEFAULT_T
        shape = request.input_shape or list(DEFAULT_INPUT_SHAPES.get(request.model, ()))
        if not shape:
            raise BadInputError(f"no default input shape for '{request.model}': --input-shape")
        model = weightless_model(request.model, T)
        graph = torch_to_graph(model, shape, T)
        params, _ = _torch_params(model)
        return _Target(graph, f"{request.model}, T={T}, input {shape}", params,
                       neuron_count(graph, spiking_only=True))
    if request.source is None:
        raise BadInputError("give a model file (.nir or checkpoint) or --arch NAME")
    path = Path(request.source)
    if path.suffix == ".nir":
        return _Target(read_graph(path), str(path))
    spec = load_model_source(path, T=request.T, input_shape=request.input_shape,
                             trust=request.trust)
    graph = torch_to_graph(spec.model, spec.input_shape, spec.T, static_input=spec.static_input)
    return _Target(graph, f"{path} ({spec.arch}, T={spec.T})", _torch_params(spec.model)[0])


def _inputs(request: EnergyRequest, graph: nir.NIRGraph, T: int) -> np.ndarray | None:
    if request.dataset:
        from snn2hw.data import load_dataset

        x, _ = load_dataset(request.dataset, graph, request.samples, T)
        return prepare_inputs(graph, x, T)
    if request.input_path:
        # the batch axis of [T, B, ...]: slicing the file's first axis would cut time steps
        return prepare_inputs(graph, load_array(request.input_path), T)[:, : request.samples]
    return None


def run_energy(request: EnergyRequest, plot: str | os.PathLike | None = None) -> dict:
    """Estimate, optionally plot, and summarise as plain values."""
    if plot:
        figure_format(plot)  # a bad extension fails before the estimate, not after
    target = _target(request)
    energy = _energy()
    opts = energy.options_for(target.graph, request.T, **request.options)
    profile = energy.read_rate_profile(request.rates_path) if request.rates_path else None
    report = energy.estimate(target.graph, opts, energy_model(request.hw),
                      inputs=_inputs(request, target.graph, opts.T), profile=profile)
    if plot:
        registry.tool("energy.plot")(report, plot, target.title)
    return summarise(report, target)


def summarise(report: EnergyReport, target: _Target) -> dict[str, Any]:
    """Plain values with snake_case keys: per-layer rows (``input_rate`` null for layers fed
    by real values) and exact per-sample totals (the table picks units). Parameters are
    counted as ``snn2hw inspect`` counts them (:func:`snn2hw.inspection.parameter_counts`);
    ``torch_params`` is the source model's own count (BN unfolded, IMP apart), when there is
    one."""
    counts = parameter_counts(target.graph)
    totals = {
        "params": counts.params, "weights": counts.weights, "biases": counts.biases,
        "neuron_params": counts.neuron_params,
        "imp_params": report.imp_params if target.imp_params is None else target.imp_params,
        "torch_params": target.params, "neurons": report.neurons,
        "macs": report.total_macs, "sops": report.total_sops,
        "neuron_updates": report.neuron_updates, "energy_mj": report.energy_mj,
    }
    return {"title": target.title, "rates": report.rates, "hw": report.hw,
            "source": report.source, "hw_confirmed": energy_model(report.hw).confirmed,
            "options": vars(report.options), "layers": [vars(layer) for layer in report.layers],
            "totals": totals}


def _meta_model(name: str) -> nn.Module:
    """Architecture ``name`` on the meta device: shapes and parameter counts, no storage."""
    with torch.device("meta"):
        return build_model(name, T=1)


def _stem_macs(model_name: str) -> float:
    """MACs of an architecture's real-valued stem convolution (torchvision name ``conv1``),
    counted once, from the NIR graph of that convolution alone (cheap even for SEW-152)."""
    stem = nn.Sequential(_meta_model(model_name).get_submodule("conv1")).to_empty(device="cpu")
    with torch.no_grad():
        for tensor in stem.parameters():
            tensor.zero_()
    graph = torch_to_graph(stem, DEFAULT_INPUT_SHAPES[model_name], 1, static_input=True)
    return float(sum(c.macs for c in registry.tool("energy.layer_costs")(graph)))


def _compare(row: PublishedRow, stem: float, hw: EnergyModel) -> dict:
    """Our energy for a published row's SOPs beside the printed figures (exact counts;
    ``energy_mj_printed`` is ours rounded to the digits the paper printed)."""
    published = _published()
    ours = published.energy_from_counts(row.sops_g * 1e9, stem, hw)
    return {"model": row.model, "sops": row.sops_g * 1e9, "macs": stem,
            "published_energy_mj": row.energy_mj, "energy_mj": ours,
            "energy_mj_printed": round(ours, published.decimals(row.energy)),
            "same_to_printed_digit": round(ours, published.decimals(row.energy)) == row.energy_mj,
            "consistent_within_printed_rounding": published.consistent(row, stem, hw),
            "published_params_m": row.params_m,
            "params": _torch_params(_meta_model(row.model))[0] if row.params_m is not None
            else None,
            "source": row.source}


def _stem_for(row: PublishedRow) -> float:
    return row.macs_g * 1e9 if row.macs_g is not None else _stem_macs(row.model)


def published_rows(model: str | None, sops: float | None, macs: float | None, hw: str) -> list:
    """Our energy for every published row, or for ``sops`` (G) and the stem MACs of ``model``
    (or ``macs`` G) beside the published row of ``model`` when one has those SOPs."""
    energy = energy_model(hw)
    if sops is None:
        return [_compare(row, _stem_for(row), energy) for row in _published().PUBLISHED.values()]
    model = model or "sew50"
    known = _published().PUBLISHED.get(model)
    if known is not None and known.sops_g == sops and macs is None:
        return [_compare(known, _stem_for(known), energy)]
    stem = macs * 1e9 if macs is not None else _stem_macs(model)
    return [{"model": model, "sops": sops * 1e9, "macs": stem,
             "energy_mj": _published().energy_from_counts(sops * 1e9, stem, energy)}]
