"""SEW-ResNet-50 on a GPU (issue 13, item 4): the reference backend's throughput in float32 and
with float16 synapses (convolutions and dense layers in float16, membranes and sums float32),
eager and compiled, beside SpikingJelly 2.0's ``sew_resnet50`` on the same GPU; and how many
spikes float16 moves against float32 on a fixed input set.

T=4, batch 64, 224x224, random weights (seed 0), the same static image batch repeated over T,
inputs already on the GPU, median of interleaved runs (synchronised). float32 runs with TF32
off (``exact_float32``), so they match the CPU. The anchor to beat: SpikingJelly's published
1,293 img/s (fp32) and 929 img/s (fp16) on an H100 for this model. Skips without CUDA;
``--smoke`` runs a tiny CPU version (SEW-18, 32x32, bfloat16) to check the script itself.
``python -m benchmarks gpu_speed``.
"""

from __future__ import annotations

import statistics
import warnings

import nir
import numpy as np
import torch

from benchmarks.results import gpu_or_smoke, record, synced_seconds

FULL = dict(arch="sew50", size=224, T=4, batch=64, check=8, repeats=10, half=torch.float16)
SMOKE = dict(arch="sew18", size=32, T=2, batch=2, check=2, repeats=1, half=torch.bfloat16)


def _spikingjelly(arch: str, device: str):
    from spikingjelly.activation_based import functional, neuron
    from spikingjelly.activation_based.model import sew_resnet

    build = getattr(sew_resnet, arch.replace("sew", "sew_resnet"))
    net = build(cnf="ADD", spiking_neuron=neuron.IFNode, detach_reset=True).eval().to(device)
    functional.set_step_mode(net, "m")

    def run(x: torch.Tensor) -> torch.Tensor:
        functional.reset_net(net)
        return net(x)

    return run


def spike_disagreement(graph: nir.NIRGraph, a: dict[str, np.ndarray],
                       b: dict[str, np.ndarray]) -> tuple[float, int]:
    """The fraction of spike entries (every spiking node, every step) that differ between two
    recordings, and how many of the spiking nodes differ at all."""
    spiking = [n for n, node in graph.nodes.items() if isinstance(node, (nir.IF, nir.LIF))]
    differ = [int((a[n] != b[n]).sum()) for n in spiking]
    total = sum(a[n].size for n in spiking)
    return sum(differ) / total, sum(d > 0 for d in differ)


def measure(p: dict, device: str) -> tuple[list[dict], dict]:
    from snn2hw.backends.reference import Simulator
    from snn2hw.frontends import torch_to_graph
    from snn2hw.nn.architectures import build_model
    from snn2hw.torch_precision import exact_float32

    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = build_model(p["arch"], T=p["T"], input_size=p["size"]).eval()
        graph = torch_to_graph(model, (3, p["size"], p["size"]), p["T"])
    del model
    image = torch.rand(p["batch"], 3, p["size"], p["size"], device=device)
    x = image.unsqueeze(0).expand(p["T"], *image.shape).contiguous()
    half_name = "reference " + str(p["half"]).removeprefix("torch.") + " synapses"
    sims = {
        "reference float32": Simulator(graph, device=device),
        half_name: Simulator(graph, device=device, half=p["half"]),
    }
    if device == "cuda":
        sims[half_name + ", compiled"] = Simulator(graph, device=device, half=p["half"],
                                                   compiled=True)
    runs = {name: (lambda s=sim: s.run(x)) for name, sim in sims.items()}
    sj = _spikingjelly(p["arch"], device)
    runs["spikingjelly float32"] = lambda: sj(x)
    if device == "cuda":
        def sj_half():
            with torch.autocast("cuda", dtype=torch.float16):
                return sj(x)
        runs["spikingjelly float16 (autocast)"] = sj_half
    times: dict[str, list[float]] = {name: [] for name in runs}
    with torch.no_grad(), exact_float32():
        first = {name: synced_seconds(fn, device) for name, fn in runs.items()}  # warm-up, compile
        for _ in range(p["repeats"]):
            for name, fn in runs.items():
                times[name].append(synced_seconds(fn, device))
        check = x[:, :p["check"]]
        full = sims["reference float32"].run(check, record=True, potentials=False)
        half = sims[half_name].run(check, record=True, potentials=False)
    fraction, layers = spike_disagreement(graph, full.records, half.records)
    agree = float((full.output.mean(0).argmax(-1) == half.output.mean(0).argmax(-1)).mean())
    rows = []
    for name, ts in times.items():
        seconds = statistics.median(ts)
        rows.append({"run": name, "batch": p["batch"], "T": p["T"],
                     "time per batch (ms)": round(seconds * 1e3, 1),
                     "img/s": round(p["batch"] / seconds),
                     "first run (s)": round(first[name], 1)})
    spikes = {"input set": f"{p['check']} images", "spikes differing": f"{fraction:.2e}",
              "spiking layers with a difference": layers,
              "same top-1 as float32": f"{agree:.3f}"}
    return rows, spikes


def main() -> None:
    chosen = gpu_or_smoke(FULL, SMOKE)
    if chosen is None:
        return
    p, device = chosen
    rows, spikes = measure(p, device)
    if device == "cpu":
        print(rows, spikes)
        return
    name = torch.cuda.get_device_name(0)
    half = str(p["half"]).removeprefix("torch.")
    print(record(f"SEW-ResNet-50 on a GPU ({name})", rows, replace=True,
                 notes=f"{p['size']}x{p['size']}, T={p['T']}, random weights, inputs on the "
                       f"GPU, median of {p['repeats']} interleaved runs (first run apart: "
                       "compilation); float32 with TF32 off; anchor: SpikingJelly's published "
                       "1,293 img/s fp32 / 929 img/s fp16 on an H100; target >= 2,000 img/s"))
    print(record(f"SEW-ResNet-50 {half} synapses vs float32 ({name})", [spikes], replace=True,
                 notes="reference backend, every spike of every spiking layer on a fixed input "
                       "set (the first images of the benchmark batch)"))


if __name__ == "__main__":
    main()
