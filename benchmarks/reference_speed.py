"""Reference backend speed and memory on SEW-ResNet-18 against its peers (issue 13, item 3).

Speed: T=4, batch 8, 64x64, 112x112 and 224x224, random weights, one torch thread, the same static
image repeated over T for every model, runs alternating, medians:

- the source model (snn2hw's SEW-18, static stem run once) and export -> reference Simulator,
  eager and compiled (``torch.compile``, weights frozen; its one-off compilation timed apart;
  outputs compared: they must be identical);
- SpikingJelly 2.0's ``sew_resnet18(cnf='ADD')`` with IF neurons in multi-step mode (torch
  backend) on the same ``[T, B, 3, H, W]`` input (its stem runs T times, as its users run it);
- the dense ANN x T: torchvision's resnet18 on the ``T * B`` images, the cost of the same
  convolutions without neurons.

Targets: reference >= 1.5x SpikingJelly's throughput, reference time <= ANN x T.

Memory: SEW-18 T=16, batch 2, 112x112, each run in a fresh process; the peak resident memory
of the run above the resident memory before it (VmHWM after resetting it, Linux), for the
source model and the reference (values freed after their last use; target <= the source).
``python -m benchmarks reference_speed``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.results import record

T, BATCH, SIZES, REPEATS = 4, 8, (64, 112, 224), 5
MEMORY = dict(T=16, batch=2, size=112)


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _spikingjelly(size: int):
    from spikingjelly.activation_based import functional, neuron, surrogate
    from spikingjelly.activation_based.model import sew_resnet

    net = sew_resnet.sew_resnet18(cnf="ADD", spiking_neuron=neuron.IFNode,
                                  surrogate_function=surrogate.ATan(), detach_reset=True).eval()
    functional.set_step_mode(net, "m")
    return net, functional


def _ours(size: int, steps: int, compiled: bool = False):
    from snn2hw.backends.reference import Simulator
    from snn2hw.frontends import torch_to_graph
    from snn2hw.nn.architectures import build_model

    model = build_model("sew18", T=steps, input_size=size).eval()
    graph = torch_to_graph(model, (3, size, size), steps)
    return model, Simulator(graph), Simulator(graph, compiled=True) if compiled else None


def measure_speed(size: int) -> dict:
    """One size: every model timed in turn, REPEATS rounds, medians."""
    import torchvision

    torch.manual_seed(0)
    model, simulator, compiled = _ours(size, T, compiled=True)
    sj, functional = _spikingjelly(size)
    ann = torchvision.models.resnet18().eval()
    image = torch.rand(BATCH, 3, size, size)
    repeated = image.unsqueeze(0).expand(T, *image.shape).contiguous()

    def sj_run():
        functional.reset_net(sj)
        return sj(repeated)

    with torch.no_grad():
        compile_s = _time(lambda: compiled.run(repeated))
    runs = {
        "source": lambda: model(image),
        "reference": lambda: simulator.run(repeated),
        "compiled": lambda: compiled.run(repeated),
        "spikingjelly": sj_run,
        "ann x T": lambda: ann(repeated.flatten(0, 1)),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    with torch.no_grad():
        for fn in runs.values():  # warm-up (allocator, oneDNN primitives)
            fn()
        for _ in range(REPEATS):
            for name, fn in runs.items():
                times[name].append(_time(fn))
        source = model(image).numpy()
        diff = np.abs(source - simulator.run(repeated).output).max()
        diff_compiled = np.abs(source - compiled.run(repeated).output).max()
    med = {name: statistics.median(ts) for name, ts in times.items()}
    ref, comp = med["reference"], med["compiled"]
    return {
        "input": f"3x{size}x{size}", "T": T, "batch": BATCH,
        **{f"{name} (s)": round(t, 4) for name, t in med.items()},
        "compilation (s)": round(compile_s, 1),
        "throughput ref / SpikingJelly": round(med["spikingjelly"] / ref, 2),
        "throughput compiled / SpikingJelly": round(med["spikingjelly"] / comp, 2),
        "time ref / ANN x T": round(ref / med["ann x T"], 2),
        "time compiled / ANN x T": round(comp / med["ann x T"], 2),
        "throughput ref / source": round(med["source"] / ref, 2),
        "max |ref - source|": float(diff),
        "max |compiled - source|": float(diff_compiled),
    }


def _peak_child(kind: str) -> None:
    """In a fresh process: peak RSS growth (MiB) of one run of ``kind``; prints JSON."""
    torch.set_num_threads(1)
    torch.manual_seed(0)
    steps, batch, size = MEMORY["T"], MEMORY["batch"], MEMORY["size"]
    model, simulator, _ = _ours(size, steps)
    image = torch.rand(batch, 3, size, size)
    repeated = image.unsqueeze(0).expand(steps, *image.shape).contiguous()
    if kind == "reference, every value kept":
        simulator.release = None  # the behaviour before values were freed
    with torch.no_grad():
        run = (lambda: model(image)) if kind == "source" else (lambda: simulator.run(repeated))
        run()  # warm-up, then measure a second run from a reset high-water mark
        Path("/proc/self/clear_refs").write_text("5")
        before = _status("VmRSS")
        run()
    print(json.dumps({"peak MiB": round((_status("VmHWM") - before) / 1024, 1)}))


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def measure_memory() -> list[dict]:
    # Large blocks always mmap-ed, so that freed memory leaves the resident set at once.
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "0"}
    rows = []
    for kind in ("source", "reference", "reference, every value kept"):
        out = subprocess.run([sys.executable, "-m", "benchmarks.reference_speed", "--peak", kind],
                             capture_output=True, text=True, check=True, env=env,
                             cwd=Path(__file__).parents[1])
        rows.append({"run": kind, **json.loads(out.stdout.strip().splitlines()[-1])})
    for row in rows:
        row["/ source"] = round(row["peak MiB"] / rows[0]["peak MiB"], 2)
    return rows


def main() -> None:
    torch.set_num_threads(1)
    load = os.getloadavg()[0]
    rows = [measure_speed(size) for size in SIZES]
    print(record(
        "Reference backend vs SpikingJelly 2.0 and the dense ANN x T (SEW-ResNet-18)", rows,
        notes=f"1 torch thread, random weights, medians of {REPEATS} alternating rounds in one "
              "process; SpikingJelly: sew_resnet18(cnf='ADD'), IFNode, multi-step, torch "
              "backend, its stem run T times; ANN x T: torchvision resnet18 on T*B images (eager); "
              "our source model and the reference run the static stem once; 'compiled': the "
              "reference with torch.compile (inductor, weights frozen), its first run "
              "('compilation') apart; targets: ref >= 1.5x SpikingJelly, time <= ANN x T; the "
              "2-core "
              f"machine was shared with other jobs (1-minute load average {load:.1f} at the "
              "start), so only the ratios of one run are meaningful",
        replace=True,
    ))
    m = MEMORY
    print(record(
        "Reference backend peak memory vs the source model (SEW-ResNet-18)", measure_memory(),
        notes=f"T={m['T']}, batch {m['batch']}, {m['size']}x{m['size']}, 1 torch thread; peak "
              "resident memory of one run above the memory before it (VmHWM reset), each in a "
              "fresh process with large blocks mmap-ed (MALLOC_MMAP_THRESHOLD_=65536, so freed "
              "memory leaves the resident set); 'every value kept' is the behaviour before "
              "values were freed; target reference <= source",
        replace=True,
    ))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peak"]:
        _peak_child(sys.argv[2])
    else:
        main()
