"""Surrogate gradients: Heaviside forward (``x >= 0``, as SpikingJelly), smooth backward."""

from __future__ import annotations

import math

import torch
from torch import nn


class _SurrogateSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, alpha: float, kind: str) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.alpha, ctx.kind = alpha, kind
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        (x,) = ctx.saved_tensors
        alpha = ctx.alpha
        if ctx.kind == "atan":
            grad = alpha / 2 / (1 + (math.pi / 2 * alpha * x) ** 2)
        else:  # sigmoid
            s = torch.sigmoid(alpha * x)
            grad = alpha * s * (1 - s)
        return grad_output * grad, None, None


class Surrogate(nn.Module):
    """Base of the surrogate spike functions; ``forward(x)`` returns ``(x >= 0)`` as float."""

    kind = "atan"

    def __init__(self, alpha: float):
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _SurrogateSpike.apply(x, self.alpha, self.kind)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class ATan(Surrogate):
    """SpikingJelly's ATan: gradient ``alpha/2 / (1 + (pi/2 * alpha * x)^2)``."""

    kind = "atan"

    def __init__(self, alpha: float = 2.0):
        super().__init__(alpha)


class Sigmoid(Surrogate):
    """SpikingJelly's Sigmoid: gradient ``alpha * sigmoid(alpha x) * (1 - sigmoid(alpha x))``."""

    kind = "sigmoid"

    def __init__(self, alpha: float = 4.0):
        super().__init__(alpha)


SURROGATES = {"atan": ATan, "sigmoid": Sigmoid}
