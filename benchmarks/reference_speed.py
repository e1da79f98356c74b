"""Reference backend throughput vs the source PyTorch model (issue: ratio >= 0.9).

SEW-ResNet-18, T=4, random weights, the same batch: the source model's forward against
export -> reference.simulate, interleaved repeats, median times. CPU always; CUDA too when a
GPU is present. ``python -m benchmarks reference_speed``.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch

from benchmarks.results import record
from snn2hw.backends.reference import Simulator
from snn2hw.frontends import torch_to_graph
from snn2hw.nn.architectures import build_model

T, SIZE, REPEATS = 4, 224, 5


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def measure(device: str, batch: int) -> dict:
    torch.manual_seed(0)
    model = build_model("sew18", T=T, input_size=SIZE).eval()
    graph = torch_to_graph(model, (3, SIZE, SIZE), T)
    model = model.to(device)
    simulator = Simulator(graph, device=device)  # built once, like the model
    image = torch.rand(batch, 3, SIZE, SIZE, device=device)
    repeated = image.unsqueeze(0).expand(T, *image.shape).contiguous()

    def source():
        with torch.no_grad():
            return model(image)

    def reference():
        return simulator.run(repeated)

    source(), reference()  # warm-up (allocator, cudnn autotune)
    t_src, t_ref = [], []
    for _ in range(REPEATS):
        t_src.append(_time(source))
        t_ref.append(_time(reference))
    src, ref = statistics.median(t_src), statistics.median(t_ref)
    out_src = source().float().cpu().numpy()
    out_ref = reference().output
    return {
        "device": device, "batch": batch, "source (s)": round(src, 4),
        "reference (s)": round(ref, 4), "throughput ratio ref/src": round(src / ref, 3),
        "max |out diff|": float(np.abs(out_src - out_ref).max()),
    }


def main() -> None:
    rows = [measure("cpu", 2)]
    if torch.cuda.is_available():
        rows.append(measure("cuda", 32))
    print(record(
        "Reference backend vs source model (SEW-ResNet-18, T=4, 224x224)", rows,
        notes=f"median of {REPEATS} interleaved runs; the reference includes copying the "
              "output back to the host; target ratio >= 0.9",
    ))


if __name__ == "__main__":
    main()
