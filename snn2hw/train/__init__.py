"""Training SNNs on data available offline (scikit-learn's digits).

``TrainConfig`` imports without torch; the trainer (torch, scikit-learn) loads on first use."""

from __future__ import annotations

from typing import Any

from snn2hw.train.config import TrainConfig

__all__ = ["TrainConfig", "TrainResult", "evaluate", "train"]


def __getattr__(name: str) -> Any:
    if name in ("TrainResult", "evaluate", "train"):
        from snn2hw.train import trainer

        return getattr(trainer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
