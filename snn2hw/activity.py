"""What a run shows beyond its final prediction: accuracy at every time step, firing rate per
spiking layer, and agreement between backends (spikes and predictions). The numbers behind
``snn2hw plot`` and ``snn2hw compare``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import nir
import numpy as np

from snn2hw.backend import RunConfig, RunResult
from snn2hw.errors import BadInputError
from snn2hw.ir import metadata
from snn2hw.ir.capabilities import SPIKING_NEURONS
from snn2hw.ir.graph import schedule

if TYPE_CHECKING:
    from snn2hw.data.spec import DatasetSpec
from snn2hw.runner import load_array, prepare_inputs, readout, run_graph


@dataclasses.dataclass
class Inputs:
    """Time-major inputs ``[T, B, ...]``, labels ``[B]`` (or None) and their integer step
    for the fixed-point backends (None: the backend's default)."""

    x: np.ndarray
    labels: np.ndarray | None
    input_scale: float | None
    source: str


def load_inputs(graph: nir.NIRGraph, dataset: DatasetSpec | str | None = None,
                input_path: str | None = None, labels_path: str | None = None,
                samples: int | None = None, steps: int | None = None) -> Inputs:
    """A ``--dataset`` spec (snn2hw.data.spec), or a ``.npy`` input (with optional ``.npy``
    labels), shaped for ``graph`` and cut to the first ``samples``."""
    from snn2hw.data import input_scale, load_dataset

    labels: np.ndarray | None
    if dataset:
        static, labels = load_dataset(dataset, graph, samples, steps)
        scale, source = input_scale(dataset), str(dataset)
    elif input_path:
        static = load_array(input_path)
        labels = load_array(labels_path).reshape(-1) if labels_path else None
        scale, source = None, str(input_path)
    else:
        raise BadInputError("give --input X.npy or --dataset")
    x = prepare_inputs(graph, static, steps, source=source)
    if samples:
        x = x[:, :samples]
        labels = None if labels is None else labels[:samples]
    if labels is not None and len(labels) != x.shape[1]:
        raise BadInputError(f"{labels_path}: {len(labels)} labels for {x.shape[1]} samples")
    return Inputs(x, labels, scale, source)


def labels_for(paths: list[str]) -> list[str]:
    """Short names for graphs in figures and tables: their file stems, or the paths when
    stems repeat."""
    stems = [Path(p).stem for p in paths]
    return stems if len(set(stems)) == len(stems) else [str(p) for p in paths]


def readout_mode(graph: nir.NIRGraph) -> str:
    """The graph's readout (``last`` for LTS models, else ``mean``)."""
    return str(metadata.graph_value(graph, metadata.READOUT, "mean"))


def step_accuracy(output: np.ndarray, labels: np.ndarray, mode: str) -> list[float]:
    """Accuracy of the prediction available after each step ``t``: the readout of steps
    ``0..t`` (the step's own output for ``last``, the running mean for ``mean``)."""
    labels = np.asarray(labels).reshape(-1)
    return [float((readout(output[: t + 1], mode).argmax(axis=1) == labels).mean())
            for t in range(output.shape[0])]


def spiking_layers(graph: nir.NIRGraph) -> list[str]:
    """The spiking neuron nodes in execution order."""
    return [n for n in schedule(graph).order if isinstance(graph.nodes[n], SPIKING_NEURONS)]


def firing_rates(graph: nir.NIRGraph, records: dict[str, np.ndarray]) -> dict[str, float]:
    """Mean spikes per neuron and time step of each spiking layer (records ``[T, B, ...]``)."""
    return {name: float(np.mean(records[name])) for name in spiking_layers(graph)
            if name in records}


def run_recorded(graph: nir.NIRGraph, backend: str, inputs: np.ndarray,
                 config: RunConfig) -> RunResult:
    """Run ``inputs [T, B, ...]`` on ``backend`` keeping every node's output."""
    return run_graph(graph, backend, inputs, dataclasses.replace(config, record=True))


def agreement(graph: nir.NIRGraph, result: RunResult, reference: RunResult
              ) -> dict[str, float | None]:
    """Fractions equal to ``reference``: spike entries of every spiking layer both recorded
    (None when none was), and predictions."""
    mode = readout_mode(graph)
    same = total = 0
    for name in spiking_layers(graph):
        if name in result.records and name in reference.records:
            ours, ref = result.records[name], reference.records[name]
            same += int(np.count_nonzero(ours == ref))
            total += int(ref.size)
    predictions = (readout(result.output, mode).argmax(axis=1)
                   == readout(reference.output, mode).argmax(axis=1))
    return {"spikes_equal": same / total if total else None,
            "predictions_equal": float(predictions.mean())}
