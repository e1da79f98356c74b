"""A trained residual model on Loihi's arithmetic: SEW-ResNet (``sew-cifar``: the CIFAR stem and
the ResNet-18 body, widths 64..512) trained with IMP + LTS on the 8x8 digits, exported to NIR,
quantised with ``quantize --mode loihi`` (input scale 16: digits pixels are k/16) and run on the
fixed backend, beside the float reference backend on the same NIR graph.

Target: Loihi fixed within 1 point of the reference. ``python -m benchmarks loihi_sew_digits``.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import torch

from benchmarks.results import record
from snn2hw.backend import RunConfig
from snn2hw.data import INPUT_SCALES
from snn2hw.data.digits import INPUT_SHAPE, digits_split
from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.nn.architectures import build_model
from snn2hw.nn.losses import loss_fn, readout
from snn2hw.passes.quantize_loihi import quantize_loihi
from snn2hw.runner import run_graph
from snn2hw.train import TrainConfig
from snn2hw.train.trainer import _optimizer, _train_epoch, evaluate, torch_threads

T, EPOCHS, SEED = 4, 8, 0
MODEL = dict(T=T, imp=True, input_size=8, in_channels=1, num_classes=10)


def train_sew() -> tuple[torch.nn.Module, float, float]:
    """sew-cifar trained on digits with IMP + LTS; (model, torch test accuracy, seconds)."""
    torch.manual_seed(SEED)
    config = TrainConfig(arch="sew-cifar", T=T, epochs=EPOCHS, lr=1e-3, seed=SEED)
    model = build_model("sew-cifar", **MODEL)
    objective = loss_fn("lts", config.label_smoothing)
    optimizer = _optimizer(model, config)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS)
    train, test = digits_split("train"), digits_split("test")
    x, y = torch.as_tensor(train.x), torch.as_tensor(train.y)
    generator, start = torch.Generator().manual_seed(SEED), time.perf_counter()
    for epoch in range(EPOCHS):
        loss = _train_epoch(model, objective, optimizer, x, y, config, generator)
        scheduler.step()
        print(f"epoch {epoch + 1}: loss {loss:.3f}", flush=True)
    seconds = time.perf_counter() - start
    return model, evaluate(model, test.x, test.y, "last"), seconds


def accuracy(graph, backend: str, x: np.ndarray, y: np.ndarray, config: RunConfig) -> tuple:
    start = time.perf_counter()
    result = run_graph(graph, backend, x, config)
    seconds = time.perf_counter() - start
    predictions = readout(torch.as_tensor(result.output), "last").argmax(1).numpy()
    return float((predictions == y).mean()), seconds, result


def main() -> None:
    with torch_threads(1):
        model, torch_acc, train_s = train_sew()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Snn2hwWarning)
            graph = torch_to_graph(model.eval(), list(INPUT_SHAPE), T)
        test = digits_split("test")
        x = np.broadcast_to(test.x, (T, *test.x.shape))
        quantised = quantize_loihi(graph, input_scale=INPUT_SCALES["digits"])
        ref_acc, ref_s, _ = accuracy(graph, "reference", x, test.y, RunConfig())
        fixed_acc, fixed_s, fixed = accuracy(quantised, "fixed", x, test.y, RunConfig())
    events = fixed.stats.get("events", {})
    overflow = sum(sum(c.values()) for c in events.values())
    rows = [
        {"model": "sew-cifar (IMP+LTS, T=4)", "run": "torch eval", "test accuracy": torch_acc,
         "seconds": round(train_s, 1), "note": f"training, {EPOCHS} epochs"},
        {"model": "", "run": "reference backend (float NIR)", "test accuracy": ref_acc,
         "seconds": round(ref_s, 2), "note": ""},
        {"model": "", "run": "fixed backend, Loihi mode (quantised NIR)",
         "test accuracy": fixed_acc, "seconds": round(fixed_s, 2),
         "note": f"{overflow} saturation/overflow events; "
                 f"difference {100 * (fixed_acc - ref_acc):+.1f} points"},
    ]
    print(record("Trained SEW-ResNet on Loihi arithmetic (digits)", rows, replace=True,
                 notes=f"{len(test.y)} test digits (8x8, 1 channel), input scale 16, "
                       "8-bit weights; 1 torch thread; target: Loihi within 1 point"))


if __name__ == "__main__":
    main()
