"""Pieces shared by the paper's architectures: the neuron options, shape arithmetic for the
per-neuron IMP shapes, and the static stem's repeat over time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
from torch import nn

from snn2hw.errors import BadInputError
from snn2hw.nn.neurons import RESETS, BaseNode, IFNode, LIFNode
from snn2hw.nn.surrogate import SURROGATES

NEURONS = ("if", "lif")


@dataclass(frozen=True)
class NeuronSpec:
    """How every spiking neuron of a model is built (all values JSON-friendly)."""

    kind: str = "if"
    tau: float = 2.0
    decay_input: bool = True
    v_threshold: float = 1.0
    reset: str = "hard"
    surrogate: str = "atan"
    detach_reset: bool = False
    imp: bool = False
    imp_sigmoid: bool = False

    def __post_init__(self) -> None:
        choices = (("neuron", self.kind, NEURONS), ("reset", self.reset, RESETS),
                   ("surrogate", self.surrogate, tuple(SURROGATES)))
        for option, value, allowed in choices:
            if value not in allowed:
                raise BadInputError(f"{option} must be one of {allowed}, got {value!r}")

    def build(self, shape: tuple[int, ...]) -> BaseNode:
        """A neuron for activations of per-sample ``shape`` (used only for the IMP)."""
        node: Callable[..., BaseNode] = IFNode
        if self.kind != "if":
            node = partial(LIFNode, tau=self.tau, decay_input=self.decay_input)
        return node(
            v_threshold=self.v_threshold, reset=self.reset,
            surrogate=SURROGATES[self.surrogate](), detach_reset=self.detach_reset,
            imp_shape=tuple(shape) if self.imp else None, imp_sigmoid=self.imp_sigmoid,
        )


def conv_out(size: tuple[int, int], kernel: int, stride: int = 1,
             padding: int = 0) -> tuple[int, int]:
    """Spatial output size of a square-kernel convolution or pooling (floor mode)."""
    height, width = ((s + 2 * padding - kernel) // stride + 1 for s in size)
    return height, width


def as_hw(input_size: int | list[int] | tuple[int, int]) -> tuple[int, int]:
    """``224`` or ``[H, W]`` as ``(H, W)``."""
    if isinstance(input_size, int):
        return (input_size, input_size)
    height, width = input_size
    return (int(height), int(width))


class RepeatTime(nn.Module):
    """Turns a static ``[B, ...]`` tensor into ``[T, B, ...]`` (the same value at every step).

    The static-image stem runs once per image and this module feeds its output to every time
    step, as the paper's ImageNet code does; exporters treat it as the identity.
    """

    def __init__(self, T: int):
        super().__init__()
        if T < 1:
            raise BadInputError(f"T must be at least 1, got {T}")
        self.T = int(T)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(0).expand(self.T, *x.shape)

    def extra_repr(self) -> str:
        return f"T={self.T}"
