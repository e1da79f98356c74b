"""Max pooling of spikes, exported exactly as an OR: a sum pool and a threshold at 0.5.

For binary inputs the maximum over a window is 1 exactly when the window holds a spike, i.e.
when its sum is at least 1; padding (``-inf`` for a max, 0 for a sum) never changes that. NIR
has no max pool, but ``SumPool2d`` followed by ``Threshold(0.5)`` is standard NIR and exact.
Max pooling of analog values has no such form and is refused (see
:func:`snn2hw.frontends.spikingjelly.from_spikingjelly`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

OR_THRESHOLD = 0.5
"""Between 0 (no spike in the window) and 1 (the smallest sum of a window with a spike)."""


class SpikeMaxPool2d(nn.MaxPool2d):
    """A max pool applied to every step of ``[T, B, C, H, W]``; exported as an OR when its
    input is spikes (replaced by :func:`or_pool`)."""

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        t, b = x_seq.shape[:2]
        y = nn.MaxPool2d.forward(self, x_seq.flatten(0, 1))
        return y.reshape(t, b, *y.shape[1:])


class SeqSumPool2d(nn.Module):
    """The sum over each window (zero padding) at every step of ``[T, B, C, H, W]``."""

    def __init__(self, kernel_size, stride, padding):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        t, b = x_seq.shape[:2]
        y = F.avg_pool2d(x_seq.flatten(0, 1), self.kernel_size, self.stride, self.padding,
                         count_include_pad=True, divisor_override=1)
        return y.reshape(t, b, *y.shape[1:])


class SeqThreshold(nn.Module):
    """1 where the input exceeds ``threshold``, else 0 (NIR's ``Threshold``), elementwise."""

    def __init__(self, threshold: float = OR_THRESHOLD):
        super().__init__()
        self.threshold = float(threshold)

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return (x_seq > self.threshold).to(x_seq.dtype)


def or_pool(pool: nn.MaxPool2d) -> nn.Sequential:
    """The exact replacement of ``pool`` for spike inputs: sum pool, then threshold."""
    stride = pool.stride if pool.stride is not None else pool.kernel_size
    return nn.Sequential(SeqSumPool2d(pool.kernel_size, stride, pool.padding), SeqThreshold())
