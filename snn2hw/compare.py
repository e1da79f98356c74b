"""The ``snn2hw compare`` verb: several graphs (a model with and without IMP, say) on the same
inputs, side by side: accuracy after each time step, firing rate per spiking layer, and the
SOPs and energy per layer of ``snn2hw energy`` (its own counting, rates measured on the same
samples)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from snn2hw import activity
from snn2hw.backend import RunConfig
from snn2hw.energy import EnergyRequest, run_energy
from snn2hw.errors import BadInputError
from snn2hw.ir.io import read_graph

DEFAULT_SAMPLES = 256  # enough for accuracy to the percent, seconds on digits


@dataclass
class CompareRequest:
    graph_paths: list[str]
    dataset: str | None = None
    input_path: str | None = None
    labels_path: str | None = None
    samples: int | None = DEFAULT_SAMPLES
    steps: int | None = None
    dt: float | None = None
    device: str = "cpu"
    hw: str = "45nm-fp32"


def _one(label: str, path: str | os.PathLike, request: CompareRequest) -> dict:
    graph = read_graph(path)
    inputs = activity.load_inputs(graph, request.dataset, request.input_path,
                                  request.labels_path, request.samples, request.steps)
    config = RunConfig(dt=request.dt, device=request.device)
    result = activity.run_recorded(graph, "reference", inputs.x, config)
    mode = activity.readout_mode(graph)
    steps = (None if inputs.labels is None
             else activity.step_accuracy(result.output, inputs.labels, mode))
    energy = run_energy(EnergyRequest(
        source=path, T=request.steps, dataset=request.dataset, input_path=request.input_path,
        samples=inputs.x.shape[1], hw=request.hw))
    return {"graph": label, "path": str(path), "readout": mode,
            "imp": energy["totals"]["imp_params"] > 0, "samples": int(inputs.x.shape[1]),
            "T": int(inputs.x.shape[0]), "accuracy_per_step": steps,
            "accuracy": None if steps is None else steps[-1],
            "firing_rates": activity.firing_rates(graph, result.records),
            "layers": energy["layers"], "totals": energy["totals"]}


def compare(request: CompareRequest) -> dict:
    """Every graph of ``request`` on the same inputs, as plain values (see the module)."""
    if len(request.graph_paths) < 2:
        raise BadInputError("compare needs at least two graphs")
    models = [_one(label, path, request) for label, path in
              zip(activity.labels_for(request.graph_paths), request.graph_paths, strict=True)]
    source = request.dataset or str(request.input_path)
    return {"source": source, "hw": request.hw, "models": models}
