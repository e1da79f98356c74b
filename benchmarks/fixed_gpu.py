"""The fixed backend (Loihi mode) on a GPU (issue 13, item 4): its time beside the float
reference on the same GPU, and whether it computes the very integers of its CPU run.

1. Digits CNN quantised to Loihi formats, static integer inputs repeated over T = 8, batch 360
   and 3960 (issue target: within 1.5x of the reference's time).
2. The paper models at full width (random weights, BN statistics, IMP; SEW-ResNet-18 and -50 at
   3x64x64, VGG-11-DVS48 at 2x48x48), batch 32, T = 4, img/s.

Both backends compiled once, medians of interleaved runs including host transfers
(synchronised); the fixed run is under TF32-free float32 (``exact_float32``, as always). "same
integers as CPU": the readout and, for the paper models on 2 samples, every population's spikes
equal the CPU run of the same backend. Skips without CUDA; ``--smoke`` runs a tiny CPU version
(both devices the CPU) to check the script itself. ``python -m benchmarks fixed_gpu``.
"""

from __future__ import annotations

import statistics
import warnings

import numpy as np
import torch

from benchmarks.fixed_speed import digits_cnn
from benchmarks.loihi_models import paper_inputs, paper_model
from benchmarks.results import gpu_or_smoke, record, synced_seconds
from snn2hw.backend import RunConfig
from snn2hw.errors import Snn2hwWarning
from snn2hw.passes.quantize_loihi import quantize_loihi
from snn2hw.registry import create_backend

FULL = dict(digits=(360, 3960), models=(("sew18", 64), ("sew50", 64), ("vgg11-dvs48", 48)),
            batch=32, check=2, repeats=15)
SMOKE = dict(digits=(8,), models=(("sew18", 32),), batch=2, check=1, repeats=1)


def _compiled(name: str, graph, device: str, record_all: bool = False):
    backend = create_backend(name)
    backend.compile(graph, RunConfig(device=device, record=record_all,
                                     extra={"mode": "loihi"} if name == "fixed" else {}))
    return backend


def same_as_cpu(graph, x: np.ndarray, device: str) -> bool:
    """Whether the fixed backend on ``device`` gives the CPU run's readout and spikes."""
    cpu, other = (_compiled("fixed", graph, d, record_all=True).run(x) for d in ("cpu", device))
    return np.array_equal(cpu.output, other.output) and all(
        np.array_equal(other.records[n], v) for n, v in cpu.records.items())


def timed(fixed_graph, float_graph, x: np.ndarray, device: str, repeats: int) -> dict:
    """Median seconds of fixed and reference on ``device`` (one warm-up run each)."""
    engines = {"fixed": _compiled("fixed", fixed_graph, device),
               "reference": _compiled("reference", float_graph, device)}
    for engine in engines.values():
        engine.run(x)
    times: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(repeats):
        for name, engine in engines.items():
            times[name].append(synced_seconds(lambda e=engine: e.run(x), device))
    return {name: statistics.median(t) for name, t in times.items()}


def digits_rows(p: dict, device: str) -> list[dict]:
    graph, rows, steps = digits_cnn(), [], 8
    for batch in p["digits"]:
        rng = np.random.default_rng(0)
        image = rng.integers(0, 17, size=(1, batch, 1, 8, 8)).astype(np.float32)
        x = np.broadcast_to(image, (steps, batch, 1, 8, 8))
        t = timed(graph, graph, x, device, p["repeats"])
        rows.append({"batch": batch, "T": steps, "fixed (ms)": round(t["fixed"] * 1e3, 2),
                     "reference (ms)": round(t["reference"] * 1e3, 2),
                     "fixed / reference time": round(t["fixed"] / t["reference"], 2),
                     "fixed sample-steps/s": round(batch * steps / t["fixed"]),
                     "same integers as CPU": same_as_cpu(graph, x, device)})
    return rows


def model_rows(p: dict, device: str) -> list[dict]:
    rows = []
    for arch, size in p["models"]:
        graph = paper_model(arch, size)
        x, scale = paper_inputs(graph, p["batch"])
        quantised = quantize_loihi(graph, input_scale=scale)
        t = timed(quantised, graph, x, device, max(p["repeats"] // 3, 1))
        rows.append({"model": f"{arch} {size}x{size}", "batch": p["batch"], "T": x.shape[0],
                     "fixed (ms)": round(t["fixed"] * 1e3, 1),
                     "reference (ms)": round(t["reference"] * 1e3, 1),
                     "fixed / reference time": round(t["fixed"] / t["reference"], 2),
                     "fixed img/s": round(p["batch"] / t["fixed"]),
                     "same integers as CPU (every population)":
                         same_as_cpu(quantised, x[:, : p["check"]], device)})
    return rows


def main() -> None:
    chosen = gpu_or_smoke(FULL, SMOKE)
    if chosen is None:
        return
    p, device = chosen
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)  # IMP metadata notices
        digits, models = digits_rows(p, device), model_rows(p, device)
    if device == "cpu":
        print(digits, models)
        return
    name = torch.cuda.get_device_name(0)
    print(record(f"fixed backend vs reference on GPU ({name})", digits, replace=True,
                 notes=f"digits CNN, Loihi mode, median of {p['repeats']} interleaved runs incl. "
                       "host transfers; TF32 off; target fixed/reference <= 1.5"))
    print(record(f"fixed backend (Loihi mode) on GPU: paper models ({name})", models,
                 replace=True,
                 notes="full width, random weights/BN statistics/IMP, static image (SEW) or 30 % "
                       f"events (VGG); medians of {max(p['repeats'] // 3, 1)} interleaved runs "
                       "incl. host transfers; TF32 off; identity checked on "
                       f"{p['check']} samples against the CPU run"))


if __name__ == "__main__":
    main()
