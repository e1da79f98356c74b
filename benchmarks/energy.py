"""Energy estimation speed (issue targets): architecture-only SEW-50 < 2 s; measured on 64
digits samples for the digits CNN < 5 s; rate measurement <= 20 % over a plain reference run.
``python -m benchmarks energy``."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.results import record
from snn2hw.api import export_model
from snn2hw.backends.reference import simulate
from snn2hw.checkpoint import save_checkpoint
from snn2hw.data import load_dataset
from snn2hw.energy import EnergyRequest, run_energy
from snn2hw.runner import prepare_inputs
from snn2hw.train import TrainConfig, train


def _median(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ckpt, graph_path = Path(tmp) / "d.pt", Path(tmp) / "d.nir"
        save_checkpoint(train(TrainConfig(epochs=5), progress=False).checkpoint, ckpt)
        graph = export_model(ckpt, graph_path)
        x, _ = load_dataset("digits", graph, 64)
        inputs = prepare_inputs(graph, x, None)
        arch = _median(lambda: run_energy(EnergyRequest(model="sew50")), repeats=3)
        measured = _median(lambda: run_energy(EnergyRequest(source=graph_path, dataset="digits",
                                                            samples=64)))
        plain = _median(lambda: simulate(graph, inputs))
        with_rates = _median(lambda: simulate(graph, inputs, record=True))
    rows = [
        {"estimate": "sew50 architecture only (224x224, T=4)", "seconds": round(arch, 3),
         "target": "< 2 s"},
        {"estimate": "digits CNN measured on 64 samples", "seconds": round(measured, 3),
         "target": "< 5 s"},
        {"estimate": "reference run, 64 samples (plain)", "seconds": round(plain, 4),
         "target": ""},
        {"estimate": "reference run recording every layer (rates)", "seconds": round(with_rates, 4),
         "target": f"overhead {100 * (with_rates / plain - 1):.0f} % (target <= 20 %)"},
    ]
    print(record("Energy estimation speed", rows, notes="median of repeated runs, in-process"))


if __name__ == "__main__":
    main()
