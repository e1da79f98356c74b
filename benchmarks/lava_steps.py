"""Lava simulation speed: time per step and compile time of our NIR->Lava mapping (float and
fixed point) for a digits-sized CNN, and ours vs lava-dl netx for a digits-sized spiking MLP.

Run: ``.venv/bin/python benchmarks/lava_steps.py`` (about a minute on 2 cores); appends a
section to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import datetime
import platform
import sys
import tempfile
import time
from pathlib import Path

import nir
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from snn2hw.backends.lava import LavaBackend, export_netx  # noqa: E402

from snn2hw.backend import RunConfig  # noqa: E402
from tests.backends.lava import graphs  # noqa: E402

STEPS = 100


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


def _measure(fn, x) -> tuple[float, float]:
    """(seconds of a 2-step run, seconds per extra step): both runs build and compile afresh."""
    fn(x[:2])  # warm-up: imports
    short, full = _timed(fn, x[:2]), _timed(fn, x)
    return short, (full - short) / (x.shape[0] - 2)


def ours(graph, x, precision) -> tuple[float, float]:
    backend = LavaBackend()
    backend.compile(graph, RunConfig(precision=precision))
    return _measure(backend.run, x)


def netx(graph, x) -> tuple[float, float]:
    from tests.backends.lava.test_netx import _run_netx

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.net"
        export_netx(graph, path)
        return _measure(lambda data: _run_netx(path, data[:, 0]), x)


def main() -> None:
    rng = np.random.default_rng(0)
    cnn, mlp = digits_cnn(rng), digits_mlp(rng)
    x_cnn = graphs.spikes(rng, STEPS, 1, (1, 8, 8))
    x_mlp = graphs.spikes(rng, STEPS, 1, (64,))
    rows = [("digits CNN", "ours", p, *ours(cnn, x_cnn, p)) for p in ("float", "fixed")]
    rows += [("digits MLP 64-32-10", "ours", "fixed", *ours(mlp, x_mlp, "fixed")),
             ("digits MLP 64-32-10", "netx", "fixed", *netx(mlp, x_mlp))]
    lines = [f"\n## Lava steps ({datetime.date.today()})\n",
             f"Machine: {platform.processor() or platform.machine()}, Python "
             f"{platform.python_version()}. Command: `.venv/bin/python benchmarks/lava_steps.py`. "
             f"T = {STEPS}; 'compile' = a whole 2-step run (build, compile, run, read); "
             "'per step' = (T-step run - 2-step run) / (T - 2).\n",
             "| network | mapping | precision | compile (s) | per step (ms) |",
             "|---|---|---|---|---|"]
    lines += [f"| {n} | {m} | {p} | {c:.2f} | {s * 1e3:.2f} |" for n, m, p, c, s in rows]
    with open(Path(__file__).parent / "RESULTS.md", "a") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))  # noqa: T201 (a script, not library code)


if __name__ == "__main__":
    main()
