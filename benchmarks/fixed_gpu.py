"""Fixed-point vs float reference on a GPU (issue target: within 1.5x of the reference's time).

Digits CNN quantised to Loihi formats, static integer inputs repeated over T, both backends
compiled once, median of interleaved runs. Skips on a machine without CUDA.
``python -m benchmarks fixed_gpu``."""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch

from benchmarks.fixed_speed import digits_cnn
from benchmarks.results import record
from snn2hw.backend import RunConfig
from snn2hw.backends.fixed import FixedBackend
from snn2hw.backends.reference import ReferenceBackend

T, REPEATS = 8, 15


def _seconds(backend, x: np.ndarray) -> float:
    torch.cuda.synchronize()
    start = time.perf_counter()
    backend.run(x)
    torch.cuda.synchronize()
    return time.perf_counter() - start


def measure(batch: int) -> dict:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 17, size=(1, batch, 1, 8, 8)).astype(np.float32)
    x = np.broadcast_to(image, (T, batch, 1, 8, 8))
    graph = digits_cnn()
    fixed, reference = FixedBackend(), ReferenceBackend()
    fixed.compile(graph, RunConfig(device="cuda", extra={"mode": "loihi"}))
    reference.compile(graph, RunConfig(device="cuda"))
    fixed.run(x), reference.run(x)  # warm-up
    times = {"fixed": [], "reference": []}
    for _ in range(REPEATS):
        times["fixed"].append(_seconds(fixed, x))
        times["reference"].append(_seconds(reference, x))
    t_fixed, t_ref = (statistics.median(times[k]) for k in ("fixed", "reference"))
    return {"batch": batch, "T": T, "fixed (ms)": round(t_fixed * 1e3, 2),
            "reference (ms)": round(t_ref * 1e3, 2),
            "fixed / reference time": round(t_fixed / t_ref, 2),
            "fixed sample-steps/s": round(batch * T / t_fixed)}


def main() -> None:
    if not torch.cuda.is_available():
        print("no CUDA device: skipped")
        return
    rows = [measure(b) for b in (360, 3960)]
    print(record(f"fixed backend vs reference on GPU ({torch.cuda.get_device_name(0)})", rows,
                 notes=f"digits CNN, Loihi mode, median of {REPEATS} interleaved runs incl. "
                       "host transfers; target fixed/reference <= 1.5"))


if __name__ == "__main__":
    main()
