"""Digits training: IMP+LTS against LTS without IMP and SDT (with and without IMP) and TET-S,
same seeds and epochs, with the test accuracy of each time step's readout.

Target: IMP+LTS at T=4 reaches >= 95 % test accuracy in under 3 minutes on 2 cores.
``python -m benchmarks train_digits``.
"""

from __future__ import annotations

import torch

from benchmarks.results import record
from snn2hw.data.digits import digits_split
from snn2hw.train import TrainConfig, TrainResult, train

RUNS = [("lts", True), ("lts", False), ("sdt", False), ("sdt", True), ("tet-s", True)]
SEEDS = (0, 1)


@torch.no_grad()
def per_step_accuracy(result: TrainResult) -> list[float]:
    """Test accuracy of ``logits[t]`` alone, for every step t."""
    test = digits_split("test")
    logits = result.checkpoint.build()(torch.as_tensor(test.x))
    labels = torch.as_tensor(test.y)
    return [float((step.argmax(1) == labels).float().mean()) for step in logits]


def row(loss: str, imp: bool, seed: int, result: TrainResult) -> dict:
    history = result.history
    return {
        "loss": loss, "IMP": "yes" if imp else "no", "seed": seed, "epochs": len(history),
        "test accuracy": round(history[-1]["test_accuracy"], 4),
        "best epoch": round(max(h["test_accuracy"] for h in history), 4),
        "accuracy of step t=0..3": " / ".join(f"{a:.3f}" for a in per_step_accuracy(result)),
        "train time (s)": round(result.seconds, 1),
    }


def main() -> None:
    rows = []
    for seed in SEEDS:
        for loss, imp in RUNS:
            result = train(TrainConfig(loss=loss, imp=imp, seed=seed), progress=False)
            rows.append(row(loss, imp, seed, result))
            print(rows[-1], flush=True)
    print(record("Digits training: IMP+LTS vs baselines (digits-cnn, T=4, defaults)", rows,
                 notes="450 test images; target IMP+LTS >= 95% in < 180 s; 1 torch thread "
                       "(TrainConfig.threads); the 2-core machine was shared with other jobs, "
                       "so times are upper bounds"))


if __name__ == "__main__":
    main()
