"""Trained digits models on Lava: accuracy in float (``floating_pt``) vs Loihi fixed point
(``fixed_pt``) against the reference backend, on the first test samples.

Each model is trained briefly with the project's trainer (IMP + LTS, seed 0), exported to NIR and
run on Lava. Target: fixed point within 1 point of float.
Run: ``.venv/bin/python -m benchmarks lava_digits`` (a few minutes on 2 cores).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from benchmarks.results import record
from snn2hw.backend import RunConfig
from snn2hw.data import INPUT_SCALES, load_dataset
from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.runner import prepare_inputs, readout, run_graph

SAMPLES = 50
EPOCHS = 8
MODELS = ("digits-mlp", "digits-cnn")


def _trained_graph(arch: str):
    """(NIR graph, test accuracy of the torch model on the whole test split)."""
    from snn2hw.train import TrainConfig, train

    result = train(TrainConfig(arch=arch, epochs=EPOCHS, seed=0), progress=False)
    ckpt = result.checkpoint
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)  # the IMP metadata notice
        graph = torch_to_graph(ckpt.build(), ckpt.input_shape, ckpt.T, static_input=True,
                               readout=ckpt.readout, arch=arch)
    return graph, result.history[-1]["test_accuracy"]


def _predict(graph, inputs: np.ndarray, backend: str,
             config: RunConfig) -> tuple[np.ndarray, float]:
    """Predicted classes and seconds per sample."""
    start = time.perf_counter()
    output = run_graph(graph, backend, inputs, config).output
    seconds = (time.perf_counter() - start) / inputs.shape[1]
    return readout(output, graph.metadata["snn2hw.readout"]).argmax(axis=1), seconds


def _row(arch: str) -> dict:
    graph, torch_accuracy = _trained_graph(arch)
    static, labels = load_dataset("digits", graph, SAMPLES)
    inputs = prepare_inputs(graph, static)
    ref, _ = _predict(graph, inputs, "reference", RunConfig(dtype="float64"))
    flt, t_float = _predict(graph, inputs, "lava", RunConfig(precision="float"))
    fix, t_fixed = _predict(graph, inputs, "lava", RunConfig(
        precision="fixed", extra={"input_scale": INPUT_SCALES["digits"]}))
    acc = {name: 100 * float(np.mean(p == labels)) for name, p in
           (("reference", ref), ("float", flt), ("fixed", fix))}
    return {
        "model": f"{arch}, T={graph.metadata['snn2hw.T']}, {EPOCHS} epochs",
        "torch acc, 450 (%)": round(100 * torch_accuracy, 1),
        f"reference acc, {SAMPLES} (%)": acc["reference"],
        "Lava float acc (%)": acc["float"], "Lava fixed acc (%)": acc["fixed"],
        "fixed - float (points)": round(acc["fixed"] - acc["float"], 1),
        "float = reference predictions": bool(np.array_equal(flt, ref)),
        "fixed = float predictions": f"{int(np.sum(fix == flt))}/{SAMPLES}",
        "s/sample float": round(t_float, 3), "s/sample fixed": round(t_fixed, 3),
    }


def main() -> None:
    rows = [_row(arch) for arch in MODELS]
    print(record("Digits on Lava: float vs fixed point (trained IMP+LTS models)", rows,
                 notes=f"first {SAMPLES} test images, static input repeated over T; fixed point "
                       "input scale 16 (pixels k/16); target |fixed - float| <= 1 point; "
                       "s/sample includes build + compile of one network for all samples"))


if __name__ == "__main__":
    main()
