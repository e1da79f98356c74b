"""Energy estimation speed (issue targets): architecture-only SEW-50 < 2 s; measured on 64
digits samples for the digits CNN < 5 s; rate measurement <= 20 % over a plain reference run.
``python -m benchmarks energy``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

from benchmarks.results import median_seconds, record
from snn2hw.api import export_model
from snn2hw.backends.energy.rates import measure_activity
from snn2hw.backends.reference import simulate
from snn2hw.checkpoint import save_checkpoint
from snn2hw.data import load_dataset
from snn2hw.energy import EnergyRequest, run_energy, weightless_model
from snn2hw.frontends import torch_to_graph
from snn2hw.runner import prepare_inputs
from snn2hw.train import TrainConfig, train


def _digits_graph(tmp: Path):
    ckpt, graph_path = tmp / "d.pt", tmp / "d.nir"
    save_checkpoint(train(TrainConfig(arch="digits-cnn", epochs=5), progress=False).checkpoint,
                    ckpt)
    return export_model(ckpt, graph_path), graph_path


def main() -> None:
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        graph, graph_path = _digits_graph(Path(tmp))
        x, _ = load_dataset("digits", graph)
        inputs = prepare_inputs(graph, x, None)
        arch = median_seconds(lambda: run_energy(EnergyRequest(model="sew50")), repeats=3)
        export = median_seconds(
            lambda: torch_to_graph(weightless_model("sew50", 4), (3, 224, 224), 4), repeats=3)
        request = EnergyRequest(source=graph_path, dataset="digits", samples=64)
        measured = median_seconds(lambda: run_energy(request))
        plain = median_seconds(lambda: simulate(graph, inputs), repeats=9)
        with_rates = median_seconds(lambda: measure_activity(graph, inputs, effective=False),
                                    repeats=9)
        effective = median_seconds(lambda: measure_activity(graph, inputs), repeats=9)
    overhead = 100 * (with_rates / plain - 1)
    rows = [
        {"estimate": "sew50 architecture only (224x224, T=4)", "seconds": round(arch, 3),
         "target": "< 2 s"},
        {"estimate": "  of which building + exporting the weightless model to NIR",
         "seconds": round(export, 3), "target": ""},
        {"estimate": "digits CNN measured on 64 samples (read .nir, load data, run, count)",
         "seconds": round(measured, 3), "target": "< 5 s"},
        {"estimate": f"reference run, {inputs.shape[1]} digits samples (plain)",
         "seconds": round(plain, 4), "target": ""},
        {"estimate": "same run measuring firing rates per layer",
         "seconds": round(with_rates, 4), "target": f"overhead {overhead:.0f} % (target <= 20 %)"},
        {"estimate": "same run with rates and effective SynOps (--count effective)",
         "seconds": round(effective, 4), "target": ""},
    ]
    print(record("Energy estimation speed", rows,
                 notes="median of repeated runs, in-process, one torch thread"))


if __name__ == "__main__":
    main()
