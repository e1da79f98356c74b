"""Training objectives over logits ``[T, B, K]`` and the inference readouts.

- SDT: cross-entropy of the time-mean logits (standard direct training).
- TET: mean over t of the cross-entropy at each step (Deng et al., ICLR 2022), optionally
  ``(1 - lamb) * CE + lamb * MSE(logits, means)`` with the TET regulariser.
- TET-S: TET with label smoothing (the paper's configs use 0.01).
- LTS: cross-entropy of the last time step only (the paper's Last Time Step objective).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
import torch.nn.functional as F

from snn2hw.defaults import LOSSES
from snn2hw.errors import BadInputError
from snn2hw.ir.metadata import READOUT_MODES as READOUTS
from snn2hw.ir.metadata import readout

__all__ = ["LOSSES", "READOUTS", "Objective", "default_readout", "loss_fn", "lts_loss",
           "readout", "sdt_loss", "tet_loss"]
Objective = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def sdt_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the time-mean logits."""
    return F.cross_entropy(logits.mean(0), target)


def tet_loss(logits: torch.Tensor, target: torch.Tensor, label_smoothing: float = 0.0,
             lamb: float = 0.0, means: float = 1.0) -> torch.Tensor:
    """Mean over steps of the per-step cross-entropy; with ``lamb > 0`` mixed with the MSE
    between every logit and ``means`` (the TET paper's regulariser)."""
    steps = logits.shape[0]
    ce = F.cross_entropy(logits.flatten(0, 1), target.repeat(steps),
                         label_smoothing=label_smoothing)
    if lamb == 0.0:
        return ce
    mse = F.mse_loss(logits, torch.full_like(logits, means))
    return (1 - lamb) * ce + lamb * mse


def lts_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the last step's logits."""
    return F.cross_entropy(logits[-1], target)


def loss_fn(name: str, label_smoothing: float = 0.01, lamb: float = 0.0) -> Objective:
    """The objective called ``name`` as ``f(logits [T, B, K], target [B]) -> scalar``.

    ``label_smoothing`` applies to TET-S only; ``lamb`` weighs TET's MSE term (TET and TET-S)."""
    if name == "sdt":
        return sdt_loss
    if name in ("tet", "tet-s"):
        smoothing = label_smoothing if name == "tet-s" else 0.0
        return functools.partial(tet_loss, label_smoothing=smoothing, lamb=lamb)
    if name == "lts":
        return lts_loss
    raise BadInputError(f"unknown loss '{name}' (known: {', '.join(LOSSES)})")


def default_readout(loss: str) -> str:
    """LTS models read the last step; every other objective the time mean."""
    return "last" if loss == "lts" else "mean"
