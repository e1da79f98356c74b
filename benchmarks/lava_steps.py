"""Lava simulation speed: time per step and compile time of our NIR->Lava mapping (float and
fixed point) for a digits-sized CNN with pooling and readout, and ours vs lava-dl netx (fixed
point) for a digits-sized spiking CNN and MLP that netx can express.

Run: ``.venv/bin/python -m benchmarks lava_steps`` (about a minute on 2 cores); appends a section
to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nir
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.results import record  # noqa: E402
from snn2hw.backend import RunConfig  # noqa: E402
from snn2hw.backends.lava import LavaBackend, export_netx  # noqa: E402
from tests.backends.lava import graphs  # noqa: E402

STEPS = 300
REPEATS = 5


def digits_cnn(rng) -> nir.NIRGraph:
    nodes = {
        "input": nir.Input(np.array([1, 8, 8])), "conv1": graphs.conv(rng, 8, 1, 3, padding=1),
        "if1": graphs.if_((8, 8, 8)),
        "pool1": nir.SumPool2d(np.array([2, 2]), np.array([2, 2]), np.array([0, 0])),
        "conv2": graphs.conv(rng, 16, 8, 3, padding=1, std=0.3), "if2": graphs.if_((16, 4, 4)),
        "flat": nir.Flatten(input_type={"input": np.array([16, 4, 4])}, start_dim=0),
        "fc": nir.Affine(rng.normal(0, 0.3, (10, 256)), np.zeros(10)),
        "output": nir.Output(np.array([10])),
    }
    for name in ("conv1", "conv2"):
        nodes[name].bias = np.zeros(nodes[name].bias.shape)  # fixed point: 13-bit bias mantissa
    chain = list(nodes)
    return graphs._graph(nodes, list(zip(chain[:-1], chain[1:])))


def digits_spiking_cnn(rng) -> nir.NIRGraph:
    """What netx can run: conv-IF-conv(stride 2)-IF-flatten-linear-IF, no biases, no pooling."""
    nodes = {
        "input": nir.Input(np.array([1, 8, 8])), "conv1": graphs.conv(rng, 8, 1, 3, padding=1),
        "if1": graphs.if_((8, 8, 8)),
        "conv2": graphs.conv(rng, 16, 8, 3, stride=2, padding=1, std=0.3),
        "if2": graphs.if_((16, 4, 4)),
        "flat": nir.Flatten(input_type={"input": np.array([16, 4, 4])}, start_dim=0),
        "fc": nir.Linear(rng.normal(0, 0.3, (10, 256))), "if3": graphs.if_(10),
        "output": nir.Output(np.array([10])),
    }
    for name in ("conv1", "conv2"):
        nodes[name].bias = np.zeros(nodes[name].bias.shape)
    chain = list(nodes)
    return graphs._graph(nodes, list(zip(chain[:-1], chain[1:])))


def digits_mlp(rng) -> nir.NIRGraph:
    nodes = {"input": nir.Input(np.array([64])), "fc1": nir.Linear(rng.normal(0, 0.5, (32, 64))),
             "lif1": graphs.lif(32), "fc2": nir.Linear(rng.normal(0, 0.5, (10, 32))),
             "lif2": graphs.lif(10), "output": nir.Output(np.array([10]))}
    chain = list(nodes)
    return graphs._graph(nodes, list(zip(chain[:-1], chain[1:])))


def _timed(fn, x) -> float:
    start = time.perf_counter()
    fn(x)
    return time.perf_counter() - start


def _measure(fns: dict[str, Callable], x: np.ndarray) -> dict[str, tuple[float, float, float]]:
    """Per run: (median seconds of a 2-step run, seconds per extra step from the medians, median
    seconds of the whole T-step run). All
    runs build and compile afresh; the runs of ``fns`` are interleaved, REPEATS times, so that
    load from other processes on the shared machine hits them alike."""
    for fn in fns.values():
        fn(x[:2])  # warm-up: imports
    short: dict[str, list[float]] = {key: [] for key in fns}
    full: dict[str, list[float]] = {key: [] for key in fns}
    for _ in range(REPEATS):
        for key, fn in fns.items():
            short[key].append(_timed(fn, x[:2]))
            full[key].append(_timed(fn, x))
    return {key: (statistics.median(short[key]),
                  (statistics.median(full[key]) - statistics.median(short[key])) / (len(x) - 2),
                  statistics.median(full[key]))
            for key in fns}


def ours(graph, precision: str) -> Callable:
    backend = LavaBackend()
    backend.compile(graph, RunConfig(precision=precision))
    return backend.run


def netx(graph, folder: str) -> Callable:
    from tests.backends.lava.test_netx import _run_netx

    path = Path(folder) / f"m{id(graph)}.net"
    export_netx(graph, path)
    return lambda data: _run_netx(path, data[:, 0])


def main() -> None:
    rng = np.random.default_rng(0)
    cnn, spiking_cnn, mlp = digits_cnn(rng), digits_spiking_cnn(rng), digits_mlp(rng)
    x_cnn = graphs.spikes(rng, STEPS, 1, (1, 8, 8))
    x_mlp = graphs.spikes(rng, STEPS, 1, (64,))
    with tempfile.TemporaryDirectory() as folder:
        groups = [
            ("digits CNN, pool + readout", x_cnn,
             {("ours", p): ours(cnn, p) for p in ("float", "fixed")}),
            ("digits CNN, spiking (netx-able)", x_cnn,
             {("ours", "fixed"): ours(spiking_cnn, "fixed"),
              ("netx", "fixed"): netx(spiking_cnn, folder)}),
            ("digits MLP 64-32-10", x_mlp,
             {("ours", "fixed"): ours(mlp, "fixed"), ("netx", "fixed"): netx(mlp, folder)}),
        ]
        rows = []
        for network, x, fns in groups:
            for (mapping, precision), (compile_s, step_s, whole_s) in _measure(fns, x).items():
                rows.append({"network": network, "mapping": mapping, "precision": precision,
                             "compile (s)": round(compile_s, 3),
                             "per step (ms)": round(step_s * 1e3, 2),
                             f"whole {len(x)}-step run (s)": round(whole_s, 3)})
    print(record("Lava steps: ours vs netx", rows,  # noqa: T201 (a script)
                 notes=f"T = {STEPS}, batch 1, spike inputs, median of {REPEATS} interleaved "
                       "runs; 'compile' = a whole 2-step run (build, compile, run, read); "
                       "'per step' = (T-step run - 2-step run) / (T - 2); netx loaded with "
                       "reset_interval = T + layers, as in the tests"))


if __name__ == "__main__":
    main()
