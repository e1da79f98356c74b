"""ONNX backend throughput (one exported step looped in onnxruntime on CPU) against the
reference backend (PyTorch, layer by layer over all steps at once), same graph and inputs.

digits-cnn (1x8x8) and SEW-ResNet-18 on a small 3x32x32 input, random weights, static images
repeated over T. Steps/s = T / wall time of one whole run of the batch (both compiled
first),
median of alternating repeats. onnxruntime's idle worker threads keep spinning for a while
after a run and slowed whatever ran next by up to 1.8x, so every timed run starts after a
pause of PAUSE_S. ``python -m benchmarks onnx_speed``.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings

import numpy as np
import torch

from benchmarks.results import record
from snn2hw.backend import RunConfig
from snn2hw.backends.onnx import OnnxBackend
from snn2hw.backends.reference import ReferenceBackend
from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.nn.architectures import build_model

T, REPEATS, PAUSE_S = 8, 5, 1.0
CASES = [  # name, architecture config, input shape, batch
    ("digits-cnn", {"channels": 16}, (1, 8, 8), 32),
    ("sew18", {"input_size": 32}, (3, 32, 32), 4),
]


def _one_thread_session(backend: OnnxBackend):
    """The backend's step in a one-thread onnxruntime session, as torch runs (both with one
    thread, the 2-core machine's other jobs disturb them alike)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return ort.InferenceSession(backend.step.model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def measure(arch: str, config: dict, shape: tuple[int, ...], batch: int) -> dict:
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        graph = torch_to_graph(build_model(arch, T=T, **config), shape, T)
    image = np.random.default_rng(0).random((batch, *shape), dtype=np.float32)
    x = np.broadcast_to(image, (T, *image.shape)).copy()
    start = time.perf_counter()
    backend = OnnxBackend()
    backend.compile(graph, RunConfig())
    compile_s = time.perf_counter() - start
    backend.session = _one_thread_session(backend)
    reference = ReferenceBackend()
    reference.compile(graph, RunConfig())
    diff = np.abs(backend.run(x).output - reference.run(x).output).max()  # also a warm-up
    times: dict[str, list[float]] = {"onnx": [], "reference": []}
    for _ in range(REPEATS):
        for name, engine in (("onnx", backend), ("reference", reference)):
            time.sleep(PAUSE_S)  # let onnxruntime's spinning threads go idle
            start = time.perf_counter()
            engine.run(x)
            times[name].append(time.perf_counter() - start)
    t_onnx, t_ref = (statistics.median(times[k]) for k in ("onnx", "reference"))
    return {
        "model": f"{arch} {'x'.join(map(str, shape))}", "T": T, "batch": batch,
        "onnx compile (s)": round(compile_s, 3),
        "onnx steps/s": round(T / t_onnx, 1), "reference steps/s": round(T / t_ref, 1),
        "onnx/reference": round(t_ref / t_onnx, 2), "max abs out diff": float(diff),
    }


def main() -> None:
    torch.set_num_threads(1)
    load = os.getloadavg()[0]
    rows = [measure(*case) for case in CASES]
    print(record(
        "ONNX backend (onnxruntime CPU) vs reference backend", rows,
        notes=f"median of {REPEATS} alternating runs each, every run after a {PAUSE_S:g} s "
              "pause (onnxruntime's idle threads spin); one thread each (torch and "
              "onnxruntime intra/inter-op); "
              "random weights; a step processes the whole batch; the reference runs all T "
              "steps layer by layer and computes a static stem once, the ONNX step recomputes "
              "it each step; the 2-core "
              f"machine was shared with other jobs (1-minute load average {load:.1f} at the "
              "start), so only the ratios of one run are meaningful",
        replace=True,
    ))


if __name__ == "__main__":
    main()
