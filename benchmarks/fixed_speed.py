"""Steps per second of the fixed backend against Lava fixed_pt and the float reference, on CPU.

One digits-sized CNN (8x8 input: conv 1->8 -> IF -> sum pool -> conv 8->16 -> IF -> sum pool ->
flatten -> affine 64->10), scikit-learn digits test samples repeated over T steps. Lava and the
fixed backend run the same quantised integers side by side; their spikes and outputs are
checked for bit identity. Figures are appended to benchmarks/RESULTS.md.

    .venv/bin/python -m benchmarks fixed_speed
    .venv/bin/python benchmarks/fixed_speed.py [--samples 4] [--steps 8] [--big-batch 360]
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
        "conv1": conv(8, 16, 4, 0.15, False), "n1": neuron((16, 4, 4)), "pool1": pool(),
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
    """Lava at two lengths (whole-run rate, and marginal rate per extra step) and the fixed
    backend on the same inputs, with bit identity checked at both lengths."""
    figures, same, spikes = {}, True, 0
    for length in (steps, long_steps):
        x = digits(samples, length)
        lava_config = RunConfig(precision="fixed", record=True)
        figures[length], lava = timed("lava", graph, x, lava_config, 1)
        fixed_config = RunConfig(record=True, extra={"mode": "loihi"})
        _, fixed = timed("fixed", graph, x, fixed_config, 1)
        same = same and identical(fixed, lava)
        spikes += int(sum(s.sum() for s in lava.records.values()))
    marginal = samples * (long_steps - steps) / (figures[long_steps] - figures[steps])
    return {"whole": samples * steps / figures[steps], "marginal": marginal,
            "identical": same, "spikes": spikes}


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
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--long-steps", type=int, default=40, help="Second Lava length.")
    parser.add_argument("--big-batch", type=int, default=360)
    args = parser.parse_args(argv or [])
    torch.set_num_threads(1)
    graph = digits_cnn()
    lava = lava_against_fixed(graph, args.samples, args.steps, args.long_steps)
    small = rates(graph, args.samples, args.steps, 20)
    big = rates(graph, args.big_batch, args.steps, 15)
    row = lambda run, value, ratio="": {"run": run, "sample-steps/s": round(value, 1),  # noqa: E731
                                        "ratio": ratio}
    rows = [
        row(f"Lava fixed_pt, {args.samples} samples, whole run (build+compile+run+read)",
            lava["whole"], "1"),
        row(f"Lava fixed_pt, marginal per step (T {args.steps} -> {args.long_steps})",
            lava["marginal"]),
        row(f"fixed, same {args.samples} samples", small["fixed"],
            f"{small['fixed'] / lava['whole']:.0f}x whole, "
            f"{small['fixed'] / lava['marginal']:.0f}x marginal Lava"),
        row("reference float32, same samples", small["reference"],
            f"fixed/reference {small['fixed'] / small['reference']:.2f}"),
        row(f"fixed, batch {args.big_batch}", big["fixed"],
            f"{big['fixed'] / lava['marginal']:.0f}x marginal Lava"),
        row(f"reference float32, batch {args.big_batch}", big["reference"],
            f"fixed/reference {big['fixed'] / big['reference']:.2f}"),
    ]
    notes = (f"digits-sized CNN (conv 1->8, IF, sum pool, conv 8->16, IF, sum pool, affine "
             f"64->10), digits samples, T = {args.steps}; CPU, 1 torch thread, shared machine. "
             f"Bit-identical with Lava fixed_pt (every spike of both populations and the readout, "
             f"T = {args.steps} and {args.long_steps}): {lava['identical']} "
             f"({lava['spikes']} spikes compared).")
    print(record("fixed backend speed vs Lava fixed_pt and the float reference", rows, notes))


if __name__ == "__main__":
    main(sys.argv[1:])
