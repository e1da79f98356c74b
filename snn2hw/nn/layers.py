"""Stateless layers applied to every time step of ``[T, B, ...]`` (SpikingJelly's multi-step
layers). Each subclasses the torch module it wraps, so parameter names and state-dict keys are
the plain torch ones (``conv1.weight``, ``bn1.running_mean``), as in the paper's checkpoints."""

from __future__ import annotations

import torch
from torch import nn


def _per_step(module: nn.Module, forward, x_seq: torch.Tensor) -> torch.Tensor:
    t, b = x_seq.shape[:2]
    y = forward(module, x_seq.flatten(0, 1))
    return y.reshape(t, b, *y.shape[1:])


class SeqConv2d(nn.Conv2d):
    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return _per_step(self, nn.Conv2d.forward, x_seq)


class SeqLinear(nn.Linear):
    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return _per_step(self, nn.Linear.forward, x_seq)


class SeqBatchNorm2d(nn.BatchNorm2d):
    """Plain BN with statistics over T*B (the same per time step at inference)."""

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return _per_step(self, nn.BatchNorm2d.forward, x_seq)


class SeqBatchNorm1d(nn.BatchNorm1d):
    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return _per_step(self, nn.BatchNorm1d.forward, x_seq)


class ThresholdDependentBatchNorm2d(SeqBatchNorm2d):
    """tdBN (Zheng et al., AAAI 2021): BN over (T, B, H, W) per channel whose normalised output
    is scaled by ``alpha * v_threshold`` before the affine transform, i.e.
    ``y = weight * alpha * v_th * (x - mean) / sqrt(var + eps) + bias``.

    Implemented by initialising and keeping ``weight`` as ``lambda * alpha * v_th``: the affine
    weight absorbs the constant, so folding into a convolution is the ordinary BN fold.
    """

    def __init__(self, num_features: int, alpha: float = 1.0, v_threshold: float = 1.0, **kw):
        super().__init__(num_features, **kw)
        self.alpha, self.v_threshold = float(alpha), float(v_threshold)
        with torch.no_grad():
            self.weight.fill_(self.alpha * self.v_threshold)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", alpha={self.alpha}, v_threshold={self.v_threshold}"


class SeqAvgPool2d(nn.AvgPool2d):
    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return _per_step(self, nn.AvgPool2d.forward, x_seq)


class SeqAdaptiveAvgPool2d(nn.AdaptiveAvgPool2d):
    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return _per_step(self, nn.AdaptiveAvgPool2d.forward, x_seq)


class SeqFlatten(nn.Flatten):
    """Flattens each sample (dims after T and B)."""

    def __init__(self):
        super().__init__(start_dim=1, end_dim=-1)

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return x_seq.flatten(2)


class SeqDropout(nn.Dropout):
    """Dropout with one mask shared by all time steps (identity at inference)."""

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x_seq
        mask = torch.ones_like(x_seq[0]).bernoulli_(1 - self.p) / (1 - self.p)
        return x_seq * mask
