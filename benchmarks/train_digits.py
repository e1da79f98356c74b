"""Digits training: IMP+LTS against LTS without IMP and SDT (+IMP), same seed and epochs.

Issue target: IMP+LTS at T=4 reaches >= 95 % test accuracy in under 3 minutes on 2 cores.
``python -m benchmarks train_digits``.
"""

from __future__ import annotations

from benchmarks.results import record
from snn2hw.train import TrainConfig, train

RUNS = [("lts", True), ("lts", False), ("sdt", True), ("tet-s", True)]


def main() -> None:
    rows = []
    for seed in (0, 1):
        for loss, imp in RUNS:
            result = train(TrainConfig(loss=loss, imp=imp, seed=seed), progress=False)
            rows.append({
                "model": "digits-cnn, T=4", "loss": loss, "IMP": "yes" if imp else "no",
                "seed": seed, "epochs": len(result.history),
                "test accuracy": round(result.history[-1]["test_accuracy"], 4),
                "best epoch accuracy": round(max(h["test_accuracy"] for h in result.history), 4),
                "train time (s)": round(result.seconds, 1),
            })
            print(rows[-1], flush=True)
    print(record("Digits training: IMP+LTS vs baselines", rows,
                 notes="450 test images; target IMP+LTS >= 95% in < 180 s"))


if __name__ == "__main__":
    main()
