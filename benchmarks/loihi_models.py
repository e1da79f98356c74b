"""The paper's models on Loihi arithmetic, at full width (random weights, BN statistics, IMP).

1. Fixed backend (Loihi mode) vs Lava fixed_pt on the same quantised file, one sample:
   SEW-ResNet-18 at 3x32x32 and VGG-11-DVS48 at 2x48x48, T = 4; time per sample (Lava: build,
   compile, run and read; fixed: compile and run, the run alone beside) and whether every
   spike of every population
   and the readout are identical.
2. Fixed backend (Loihi mode) vs the float reference backend at batch 32, T = 4: SEW-18 and
   SEW-50 at 3x64x64, VGG-11-DVS48 at 2x48x48; medians of 3 interleaved runs (target <= 1.0x).

``python -m benchmarks loihi_models`` (``--quick``: part 2 only).
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import torch

from benchmarks.results import record
from snn2hw.backend import RunConfig
from snn2hw.errors import Snn2hwWarning
from snn2hw.ir.graph_utils import graph_input_shape
from snn2hw.passes.quantize_loihi import quantize_loihi
from snn2hw.registry import create_backend
from tests.backends.fixed.paper_models import paper_graph

T = 4


def paper_model(arch: str, size: int):
    """A full-width paper model at ``size`` (random weights, BN statistics and IMP), T = 4."""
    shape = [3, size, size] if arch.startswith("sew") else [2, size, size]
    options = {"input_size": size, **({"num_classes": 10} if arch.startswith("sew") else {})}
    return paper_graph(arch, shape, T, **options)


def paper_inputs(graph, batch: int, seed: int = 0) -> tuple[np.ndarray, float]:
    """A static image on the k/16 grid (SEW, input scale 16) or 30 % random events (VGG)."""
    shape, rng = graph_input_shape(graph), np.random.default_rng(seed)
    if shape[0] == 3:
        image = rng.integers(0, 17, size=(batch, *shape)) / 16.0
        return np.broadcast_to(image, (T, *image.shape)), 16.0
    return (rng.uniform(size=(T, batch, *shape)) < 0.3).astype(np.float64), 1.0


def _seconds(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _run(backend: str, graph, x: np.ndarray, config: RunConfig):
    engine = create_backend(backend)
    engine.compile(graph, config)
    return engine.run(x)


def versus_lava(arch: str, size: int) -> dict:
    graph = paper_model(arch, size)
    x, scale = paper_inputs(graph, 1)
    quantised = quantize_loihi(graph, input_scale=scale)
    lava_s, lava = _seconds(lambda: _run("lava", quantised, x,
                                         RunConfig(precision="fixed", record=True)))
    engine = create_backend("fixed")
    compile_s, _ = _seconds(lambda: engine.compile(quantised, RunConfig(record=True)))
    run_s, fixed = _seconds(lambda: engine.run(x))
    fixed_s = compile_s + run_s
    same = all(np.array_equal(fixed.records[n], v) for n, v in lava.records.items())
    same = same and np.array_equal(fixed.output, lava.output)
    return {"model": f"{arch} {'x'.join(map(str, graph_input_shape(graph)))}", "T": T,
            "Lava fixed_pt (s/sample)": round(lava_s, 2),
            "fixed Loihi (s/sample)": round(fixed_s, 3), "of which run (s)": round(run_s, 3),
            "Lava / fixed": round(lava_s / fixed_s, 1),
            "populations compared": len(lava.records),
            "bit-identical (all spikes + readout)": "yes" if same else "NO",
            "Lava processes": lava.stats.get("processes", "")}


def versus_reference(arch: str, size: int, batch: int = 32, repeats: int = 3) -> dict:
    graph = paper_model(arch, size)
    x, scale = paper_inputs(graph, batch)
    quantised = quantize_loihi(graph, input_scale=scale)
    engines = {}
    for name, g in (("reference", graph), ("fixed", quantised)):
        engines[name] = create_backend(name)
        engines[name].compile(g, RunConfig())
    times: dict[str, list[float]] = {"reference": [], "fixed": []}
    for _ in range(repeats):  # interleaved
        for name, engine in engines.items():
            times[name].append(_seconds(lambda e=engine: e.run(x))[0])
    ref, fixed = (float(np.median(times[k])) for k in ("reference", "fixed"))
    return {"model": f"{arch} {'x'.join(map(str, graph_input_shape(graph)))}", "batch": batch,
            "T": T, "reference (s)": round(ref, 3), "fixed Loihi (s)": round(fixed, 3),
            "fixed / reference time": round(fixed / ref, 2)}


def main() -> None:
    quick = "--quick" in sys.argv
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)  # IMP metadata notices
        if not quick:
            rows = [versus_lava("sew18", 32), versus_lava("vgg11-dvs48", 48)]
            print(record("Loihi arithmetic: fixed backend vs Lava fixed_pt (paper models)", rows,
                         replace=True,
                         notes="full width, random weights/BN statistics/IMP, one sample; "
                               "same quantised graph on both; 1 torch thread"), flush=True)
        rows = [versus_reference("sew18", 64), versus_reference("sew50", 64),
                versus_reference("vgg11-dvs48", 48)]
    print(record("Loihi arithmetic: fixed backend vs reference (paper models, batch 32)", rows,
                 replace=True,
                 notes="full width, random weights/BN statistics/IMP; medians of 3 interleaved "
                       "runs after compile; 1 torch thread; target fixed/reference <= 1.0"))


if __name__ == "__main__":
    main()
