"""The end-to-end demo behind ``snn2hw demo`` (and ``make demo``): train a digits SNN with
IMP + LTS, export it to NIR, run it on every available backend, estimate its energy."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from snn2hw.api import export_model
from snn2hw.backend import RunConfig
from snn2hw.checkpoint import save_checkpoint
from snn2hw.data import INPUT_SCALES, load_dataset
from snn2hw.energy import EnergyRequest, run_energy
from snn2hw.ir import metadata
from snn2hw.registry import backend_statuses
from snn2hw.runner import prepare_inputs, readout, run_graph
from snn2hw.train import TrainConfig, train

# (label, backend, RunConfig.precision, extra options); Lava runs on fewer samples (slow)
RUNS = [
    ("reference (float32)", "reference", "float", {}),
    ("fixed (Loihi arithmetic)", "fixed", "float", {"mode": "loihi"}),
    ("onnx (onnxruntime)", "onnx", "float", {}),
    ("lava floating_pt", "lava", "float", {}),
    ("lava fixed_pt (bit-accurate)", "lava", "fixed", {}),
]


@dataclass
class DemoResult:
    checkpoint: Path
    graph: Path
    train_accuracy: float
    rows: list[dict] = field(default_factory=list)
    energy: list[dict] = field(default_factory=list)


def run_demo(out: Path, epochs: int, say: Callable[[str], None],
             lava_samples: int = 30) -> DemoResult:
    """Every step of the pipeline; ``say`` reports progress."""
    out.mkdir(parents=True, exist_ok=True)
    say(f"1/4 train digits-cnn with IMP + LTS, T=4, {epochs} epochs")
    trained = train(TrainConfig(epochs=epochs))
    checkpoint = out / "digits.pt"
    save_checkpoint(trained.checkpoint, checkpoint)
    say("2/4 export to NIR (BN folded, IMP as initial state)")
    graph_path = out / "digits.nir"
    graph = export_model(checkpoint, graph_path)
    result = DemoResult(checkpoint, graph_path, trained.history[-1]["test_accuracy"])
    say("3/4 run on every available backend")
    result.rows = _run_backends(graph, say, lava_samples)
    say("4/4 measure firing rates and estimate energy (45 nm and Loihi models)")
    result.energy = [run_energy(EnergyRequest(source=graph_path, dataset="digits", samples=64,
                                              hw=hw)) for hw in ("45nm-fp32", "loihi")]
    return result


def _run_backends(graph, say: Callable[[str], None], lava_samples: int) -> list[dict]:
    available = {s.name: s for s in backend_statuses(imports=True)}
    x, y = load_dataset("digits", graph)
    assert y is not None  # the digits test split has labels
    mode = metadata.graph_value(graph, metadata.READOUT, "mean")
    reference_out = None
    rows: list[dict[str, object]] = []
    for label, backend, precision, extra in RUNS:
        if not available[backend].available:
            rows.append({"backend": label, "samples": None, "accuracy": None,
                         "agreement": None, "seconds": None,
                         "note": available[backend].reason})
            continue
        n = min(lava_samples, len(y)) if backend == "lava" else len(y)
        config = RunConfig(precision=precision,
                           extra={**extra, "input_scale": INPUT_SCALES["digits"]})
        say(f"    {label} on {n} samples")
        start = time.perf_counter()
        output = run_graph(graph, backend, prepare_inputs(graph, x[:n], None), config).output
        seconds = time.perf_counter() - start
        if reference_out is None:
            reference_out = output
        predictions = readout(output, mode).argmax(axis=1)
        agree = predictions == readout(reference_out[:, :n], mode).argmax(axis=1)
        rows.append({"backend": label, "samples": n,
                     "accuracy": float((predictions == y[:n]).mean()),
                     "agreement": float(agree.mean()),
                     "seconds": round(seconds, 2), "note": ""})
    return rows


def demo_record(result: DemoResult) -> dict:
    """The demo's outcome for ``--json``: files, the backend table and the energy totals."""
    return {"checkpoint": str(result.checkpoint), "graph": str(result.graph),
            "train_accuracy": result.train_accuracy, "backends": result.rows,
            "energy": [{"hw": e["hw"], **e["totals"]} for e in result.energy]}


def summary_rows(result: DemoResult) -> list[dict]:
    """The backend table with numbers rounded for people (``agreement``: the fraction of
    predictions equal to the reference's)."""
    rows = []
    for row in result.rows:
        pretty = dict(row)
        for key in ("accuracy", "agreement"):
            pretty[key] = "" if pretty[key] is None else f"{pretty[key]:.3f}"
        rows.append(pretty)
    return rows
