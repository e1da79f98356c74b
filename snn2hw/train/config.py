"""What a training run depends on, importable without torch (the ``train`` command's options
show these defaults)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from snn2hw.defaults import LOSSES
from snn2hw.errors import BadInputError

DIGITS_ARCHS = ("digits-cnn", "digits-mlp")
OPTIMIZERS = ("adam", "sgd")


@dataclass
class TrainConfig:
    """Everything a training run depends on (JSON-friendly)."""

    arch: str = "digits-cnn"
    loss: str = "lts"
    imp: bool = True
    neuron: str = "if"
    T: int = 4
    epochs: int = 30
    batch_size: int = 64
    optimizer: str = "adam"  # AdamW, or SGD with momentum 0.9
    lr: float = 5e-3
    weight_decay: float = 1e-4
    label_smoothing: float = 0.01
    seed: int = 0
    # These models are tiny: one thread beats two, and it keeps runs identical from machine to
    # machine (on the shared 2-core machine 3 epochs took 2.6 s with 1 thread, 27 s with 2).
    threads: int = 1

    def validate(self) -> None:
        """Raise BadInputError for any option the trainer cannot honour."""
        if self.arch not in DIGITS_ARCHS:
            raise BadInputError(f"training runs on digits: arch must be one of {DIGITS_ARCHS}")
        if self.loss not in LOSSES:
            raise BadInputError(f"unknown loss '{self.loss}' (known: {', '.join(LOSSES)})")
        if self.optimizer not in OPTIMIZERS:
            raise BadInputError(f"unknown optimizer '{self.optimizer}' (known: adam, sgd)")
        if min(self.T, self.epochs, self.batch_size, self.threads) < 1:
            raise BadInputError("T, epochs, batch size and threads must be at least 1")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise BadInputError(f"learning rate must be positive and finite, got {self.lr}")
