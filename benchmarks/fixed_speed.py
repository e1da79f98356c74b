"""Steps per second of the fixed backend against Lava fixed_pt and the float reference, on CPU.

One digits-sized CNN (8x8 input: conv 1->8 (bias) -> IF -> sum pool -> conv 8->16 (bias) -> IF
-> sum pool -> flatten -> affine 64->10), scikit-learn digits test samples repeated over T
steps. Lava and the fixed backend run the same quantised integers side by side; their spikes and
outputs are checked for bit identity. Figures replace the section in benchmarks/RESULTS.md.

    .venv/bin/python -m benchmarks fixed_speed
    .venv/bin/python benchmarks/fixed_speed.py [--samples 100] [--steps 8] [--big-batch 360]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import nir
import numpy as np
import torch

from snn2hw.backend import RunConfig
from snn2hw.ir.metadata import DT
from snn2hw.registry import create_backend

try:
    from benchmarks.results import record
except ImportError:  # run as a script: benchmarks/ is on sys.path instead
    from results import record

TITLE = "fixed backend speed vs Lava fixed_pt and the float reference"


def digits_cnn(seed: int = 0) -> nir.NIRGraph:
    rng = np.random.default_rng(seed)

    def conv(c_in, c_out, size, scale, bias):
        weight = rng.normal(size=(c_out, c_in, 3, 3)) * scale
        return nir.Conv2d(input_shape=(size, size), weight=weight, stride=1, padding=1, dilation=1,
                          groups=1,
                          bias=rng.normal(size=c_out) * 0.05 if bias else None)

    def neuron(shape):
        return nir.IF(r=np.ones(shape), v_threshold=np.ones(shape), v_reset=np.zeros(shape))

    def pool():
        two = np.array([2, 2])
        return nir.SumPool2d(kernel_size=two, stride=two, padding=np.zeros(2, dtype=int))

    nodes = {
        "input": nir.Input(np.array([1, 8, 8])),
        "conv0": conv(1, 8, 8, 0.05, True), "n0": neuron((8, 8, 8)), "pool0": pool(),
        "conv1": conv(8, 16, 4, 0.15, True), "n1": neuron((16, 4, 4)), "pool1": pool(),
        "flat": nir.Flatten(input_type={"input": np.array([16, 2, 2])}, start_dim=0),
        "fc": nir.Affine(weight=rng.normal(size=(10, 64)) * 0.3, bias=np.zeros(10)),
        "output": nir.Output(np.array([10])),
    }
    names = list(nodes)
    return nir.NIRGraph(nodes=nodes, edges=list(zip(names[:-1], names[1:])), metadata={DT: 1.0})


def digits(samples: int, steps: int) -> np.ndarray:
    from sklearn.datasets import load_digits

    images = load_digits().images[-samples:].astype(np.float64).reshape(samples, 1, 8, 8)
    return np.broadcast_to(images, (steps, *images.shape)).copy()


def timed(backend_name: str, graph, x, config: RunConfig, repeats: int):
    """(median seconds of run(), last result); compiled once, outside the timing."""
    backend = create_backend(backend_name)
    backend.compile(graph, config)
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = backend.run(x)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def identical(fixed, lava) -> bool:
    return np.array_equal(fixed.output, lava.output) and all(
        np.array_equal(fixed.records[n], s) for n, s in lava.records.items())


def lava_against_fixed(graph, samples: int, steps: int, long_steps: int) -> dict:
    """Lava at two lengths (whole-run rate incl. build and compile, and marginal rate per extra
    step) and the fixed backend on the same inputs, with bit identity checked at both lengths;
    also the fixed backend's overflow/saturation events (all layers, both lengths)."""
    figures, same, spikes, events = {}, True, 0, {}
    for length in (steps, long_steps):
        x = digits(samples, length)
        lava_config = RunConfig(precision="fixed", record=True)
        start = time.perf_counter()
        lava = create_backend("lava")
        lava.compile(graph, lava_config)
        expected = lava.run(x)
        figures[length] = time.perf_counter() - start
        fixed_config = RunConfig(record=True, extra={"mode": "loihi"})
        _, fixed = timed("fixed", graph, x, fixed_config, 1)
        same = same and identical(fixed, expected)
        spikes += int(sum(s.sum() for s in expected.records.values()))
        for counts in fixed.stats["events"].values():
            for kind, count in counts.items():
                events[kind] = events.get(kind, 0) + count
    marginal = samples * (long_steps - steps) / (figures[long_steps] - figures[steps])
    return {"whole": samples * steps / figures[steps], "marginal": marginal,
            "identical": same, "spikes": spikes, "events": events}


def rates(graph, batch: int, steps: int, repeats: int) -> dict[str, float]:
    """Sample-steps per second of fixed (loihi mode) and reference on the same batch; runs
    alternate so that both see the same background load (medians)."""
    x = digits(batch, steps)
    backends = {"fixed": RunConfig(extra={"mode": "loihi"}), "reference": RunConfig()}
    compiled, times = {}, {name: [] for name in backends}
    for name, config in backends.items():
        compiled[name] = create_backend(name)
        compiled[name].compile(graph, config)
        compiled[name].run(x)  # warm-up
    for _ in range(repeats):
        for name, backend in compiled.items():
            start = time.perf_counter()
            backend.run(x)
            times[name].append(time.perf_counter() - start)
    return {name: batch * steps / statistics.median(t) for name, t in times.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--long-steps", type=int, default=24, help="Second Lava length.")
    parser.add_argument("--big-batch", type=int, default=360)
    args = parser.parse_args(argv or [])
    torch.set_num_threads(1)
    graph = digits_cnn()
    lava = lava_against_fixed(graph, args.samples, args.steps, args.long_steps)
    small = rates(graph, args.samples, args.steps, 20)
    big = rates(graph, args.big_batch, args.steps, 15)
    print(record(TITLE, _rows(args, lava, small, big), _notes(args, lava), replace=True))


def _row(run: str, value: float, ratio: str = "") -> dict:
    return {"run": run, "sample-steps/s": round(value, 1), "ratio": ratio}


def _rows(args, lava: dict, small: dict, big: dict) -> list[dict]:
    """The table: Lava whole and marginal, then fixed and reference at two batch sizes."""
    rows = [
        _row(f"Lava fixed_pt, {args.samples} samples, whole run (build+compile+run+read)",
             lava["whole"], "1"),
        _row(f"Lava fixed_pt, marginal per step (T {args.steps} -> {args.long_steps})",
             lava["marginal"]),
    ]
    for batch, rate in ((args.samples, small), (args.big_batch, big)):
        rows += [
            _row(f"fixed, batch {batch}", rate["fixed"],
                 f"{rate['fixed'] / lava['whole']:.0f}x whole, "
                 f"{rate['fixed'] / lava['marginal']:.0f}x marginal Lava"),
            _row(f"reference float32, batch {batch}", rate["reference"],
                 f"time fixed/reference {rate['reference'] / rate['fixed']:.2f}"),
        ]
    return rows


def _notes(args, lava: dict) -> str:
    return (f"digits-sized CNN (conv 1->8 + bias, IF, sum pool, conv 8->16 + bias, IF, sum pool, "
            f"affine 64->10), digits samples, T = {args.steps}; CPU, 1 torch thread, shared "
            f"machine; fixed/reference alternate runs, medians. Bit-identical with Lava fixed_pt "
            f"(every spike of both populations and the readout, {args.samples} samples, T = "
            f"{args.steps} and {args.long_steps}): {lava['identical']} ({lava['spikes']} spikes "
            f"compared); events counted by the fixed run (both lengths, all layers; Lava's "
            f"arithmetic does the same): {lava['events']}.")


if __name__ == "__main__":
    main(sys.argv[1:])
