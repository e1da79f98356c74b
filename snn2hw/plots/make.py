"""What ``snn2hw plot KIND`` runs and draws: each kind runs the graphs it needs (the reference
backend unless told otherwise), draws its figure and returns the plotted numbers (for
``--json``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import nir
import numpy as np

from snn2hw import activity
from snn2hw.backend import RunConfig
from snn2hw.errors import BadInputError
from snn2hw.ir import metadata
from snn2hw.ir.io import read_graph

from .figure import figure_format


@dataclasses.dataclass
class PlotRequest:
    """Everything ``snn2hw plot`` was asked (see its ``--help``)."""

    kind: str
    graph_paths: list[str]
    output: str
    dataset: str | None = None
    input_path: str | None = None
    labels_path: str | None = None
    samples: int | None = None
    steps: int | None = None
    dt: float | None = None
    device: str = "cpu"
    backends: list[str] = dataclasses.field(default_factory=list)
    layers: list[str] = dataclasses.field(default_factory=list)
    neurons: list[int] = dataclasses.field(default_factory=list)
    sample: int = 0
    hw: str = "45nm-fp32"
    input_scale: float | None = None


@dataclasses.dataclass
class _Context:
    request: PlotRequest
    graphs: dict[str, nir.NIRGraph]  # label (file stem) -> graph
    inputs: activity.Inputs
    config: RunConfig

    def settings(self) -> str:
        x = self.inputs.x
        return f"{self.inputs.source}, {x.shape[1]} samples, T={x.shape[0]}"

    def first(self) -> tuple[str, nir.NIRGraph]:
        return next(iter(self.graphs.items()))

    def run(self, graph: nir.NIRGraph, backend: str = "reference"):
        return activity.run_recorded(graph, backend, self.inputs.x, self.config)


def _context(request: PlotRequest) -> _Context:
    graphs = {label: read_graph(path)
              for label, path in zip(activity.labels_for(request.graph_paths), request.graph_paths,
                                     strict=True)}
    first = next(iter(graphs.values()))
    inputs = activity.load_inputs(first, request.dataset, request.input_path,
                                  request.labels_path, request.samples, request.steps)
    scale = request.input_scale or inputs.input_scale
    config = RunConfig(dt=request.dt, device=request.device,
                       extra={"input_scale": scale} if scale else {})
    return _Context(request, graphs, inputs, config)


def _check_sample(ctx: _Context) -> int:
    sample, batch = ctx.request.sample, ctx.inputs.x.shape[1]
    if not 0 <= sample < batch:
        raise BadInputError(f"--sample {sample}: the input has {batch} samples")
    return sample


def _raster(ctx: _Context) -> dict:
    from .spikes import raster

    name, graph = ctx.first()
    spiking = activity.spiking_layers(graph)
    layers = ctx.request.layers or spiking[:6]
    unknown = [n for n in layers if n not in graph.nodes]
    if unknown:
        raise BadInputError(f"--layer {unknown[0]!r}: no such node in {name} "
                            f"(spiking layers: {', '.join(spiking)})")
    sample = _check_sample(ctx)
    records = ctx.run(graph).records
    raster(records, layers, ctx.request.output,
           f"{name}: spikes of sample {sample} ({ctx.settings()}, reference)", sample)
    return {"graph": name, "sample": sample,
            "spikes": {n: int(records[n][:, sample].sum()) for n in layers}}


def _membrane(ctx: _Context) -> dict:
    from .spikes import membrane

    name, graph = ctx.first()
    spiking = activity.spiking_layers(graph)
    layer = (ctx.request.layers or spiking[:1] or [""])[0]
    if layer not in spiking:
        raise BadInputError(f"--layer {layer!r}: not a spiking layer of {name} "
                            f"(spiking layers: {', '.join(spiking)})")
    node, sample = graph.nodes[layer], _check_sample(ctx)
    neurons = ctx.request.neurons or [0, 1, 2]
    threshold = float(np.mean(node.v_threshold))
    v0 = metadata.v_init(node)
    records = ctx.run(graph).records
    membrane(records, layer, neurons, threshold, v0, ctx.request.output,
             f"{name}: layer {layer}, sample {sample} ({ctx.settings()}, reference)", sample)
    trace = records[f"{layer}.v"][:, sample].reshape(records[layer].shape[0], -1)
    return {"graph": name, "layer": layer, "sample": sample, "threshold": threshold,
            "v_init": None if v0 is None else [float(np.ravel(v0)[n]) for n in neurons],
            "potential": {str(n): trace[:, n].tolist() for n in neurons}}


def step_series(ctx: _Context, backends: list[str]) -> dict[str, list[float]]:
    """Accuracy after each step for every graph x backend (labels "backend" for one graph)."""
    if ctx.inputs.labels is None:
        raise BadInputError("accuracy needs labels: --labels y.npy or --dataset")
    series = {}
    for name, graph in ctx.graphs.items():
        for backend in backends:
            output = ctx.run(graph, backend).output
            label = backend if len(ctx.graphs) == 1 else f"{name} ({backend})"
            series[label] = activity.step_accuracy(output, ctx.inputs.labels,
                                                   activity.readout_mode(graph))
    return series


def _accuracy(ctx: _Context) -> dict:
    from .accuracy import step_accuracy

    series = step_series(ctx, ctx.request.backends or ["reference"])
    mode = activity.readout_mode(ctx.first()[1])
    names = ", ".join(ctx.graphs)
    step_accuracy(series, mode, ctx.request.output,
                  f"{names}: accuracy per time step ({ctx.settings()})")
    return {"readout": mode, "accuracy_per_step": series}


def _rates(ctx: _Context) -> dict:
    from .layers import firing_rates

    rates = {name: activity.firing_rates(graph, ctx.run(graph).records)
             for name, graph in ctx.graphs.items()}
    firing_rates(rates, ctx.request.output,
                 f"{', '.join(ctx.graphs)}: firing rate per layer ({ctx.settings()})")
    return {"firing_rates": rates}


def _energy(request: PlotRequest) -> dict:
    """Needs no run of its own: ``snn2hw energy`` measures rates (or bounds them by 1)."""
    from snn2hw.energy import EnergyRequest, run_energy

    summary = run_energy(EnergyRequest(
        source=request.graph_paths[0], T=request.steps, dataset=request.dataset,
        input_path=request.input_path, samples=request.samples or 64, hw=request.hw),
        plot=request.output)
    return {"layers": summary["layers"], "totals": summary["totals"]}


def _agreement(ctx: _Context) -> dict:
    from snn2hw.registry import backend_statuses

    from .agreement import agreement_matrix

    available = [s.name for s in backend_statuses() if s.available]
    backends = ctx.request.backends or [b for b in ("fixed", "onnx") if b in available]
    values = {}
    for name, graph in ctx.graphs.items():
        reference = ctx.run(graph)
        values[name] = {b: activity.agreement(graph, ctx.run(graph, b), reference)
                        for b in backends}
    agreement_matrix(values, ctx.request.output,
                     f"agreement with the reference backend ({ctx.settings()})")
    return {"agreement": values}


KINDS: dict[str, Callable[[_Context], dict[str, Any]] | None] = {
    "raster": _raster, "membrane": _membrane, "accuracy": _accuracy, "rates": _rates,
    "energy": None, "agreement": _agreement,  # energy: see _energy
}


def make_plot(request: PlotRequest) -> dict[str, Any]:
    """Run what ``request.kind`` needs, write its figure, return the plotted numbers."""
    if request.kind not in KINDS:
        raise BadInputError(f"unknown plot kind '{request.kind}' (known: {', '.join(KINDS)})")
    figure_format(request.output)  # a bad extension fails before any run
    draw = KINDS[request.kind]
    data = _energy(request) if draw is None else draw(_context(request))
    return {"kind": request.kind, "output": str(request.output), **data}
