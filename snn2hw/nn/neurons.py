"""Multi-step IF and LIF neurons with a learnable initial membrane potential (IMP).

One step, for every neuron: charge, fire, reset (DESIGN.md §2).
- IF:  ``v <- v + x``
- LIF: ``v <- v + (x - (v - v_reset)) / tau`` (``decay_input=True``) or
       ``v <- v - (v - v_reset) / tau + x`` (``decay_input=False``), as SpikingJelly.
- Fire: ``s = (v - v_threshold >= 0)`` with a surrogate gradient.
- Reset: ``"hard"`` sets ``v = v_reset``; ``"subtract"`` does ``v -= v_threshold``; ``"none"``
  keeps ``v`` (the reset-free variant of the leakage/reset/recurrence study).

IMP: with ``imp_shape`` set, the neuron owns ``init_state`` of shape ``(1, *imp_shape)`` (the key
name of the paper's code) and every sample starts from ``v0 = f(init_state)``, where ``f`` is the
identity or a sigmoid (``imp_sigmoid``). Without IMP every sample starts from ``v_reset``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from snn2hw.nn.surrogate import ATan, Surrogate

RESETS = ("hard", "subtract", "none")


class BaseNode(nn.Module):
    """Shared state handling of the spiking neurons; subclasses define :meth:`charge`."""

    def __init__(
        self,
        v_threshold: float = 1.0,
        v_reset: float = 0.0,
        reset: str = "hard",
        surrogate: Surrogate | None = None,
        detach_reset: bool = False,
        imp_shape: Sequence[int] | None = None,
        imp_sigmoid: bool = False,
        imp_init: tuple[float, float] = (0.4, 0.6),
        store_v: bool = False,
    ):
        super().__init__()
        if reset not in RESETS:
            raise ValueError(f"reset must be one of {RESETS}, got {reset!r}")
        self.v_threshold = float(v_threshold)
        self.v_reset = float(v_reset)
        self.reset = reset
        self.surrogate = surrogate if surrogate is not None else ATan()
        self.detach_reset = detach_reset
        self.imp_sigmoid = imp_sigmoid
        self.store_v = store_v
        self.v_seq: torch.Tensor | None = None
        if imp_shape is not None:
            low, high = imp_init
            self.init_state = nn.Parameter(torch.empty(1, *imp_shape).uniform_(low, high))
        else:
            self.register_parameter("init_state", None)

    @property
    def has_imp(self) -> bool:
        return self.init_state is not None

    def initial_v(self) -> torch.Tensor | None:
        """The per-neuron initial potential ``(1, *shape)``, or None when it is ``v_reset``."""
        if self.init_state is None:
            return None
        return torch.sigmoid(self.init_state) if self.imp_sigmoid else self.init_state

    def charge(self, v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def start(self, x: torch.Tensor) -> torch.Tensor:
        """The potential before the first step, for one step's input ``x [B, ...]``."""
        v0 = self.initial_v()
        if v0 is None:
            return torch.full_like(x, self.v_reset)
        return v0.to(x.dtype).expand_as(x)

    def step(self, v: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One step (charge, fire, reset) from ``v`` with input ``x``; returns ``(spikes, v)``."""
        v = self.charge(v, x)
        s = self.surrogate(v - self.v_threshold)
        s_reset = s.detach() if self.detach_reset else s
        if self.reset == "hard":
            v = v * (1.0 - s_reset) + self.v_reset * s_reset
        elif self.reset == "subtract":
            v = v - s_reset * self.v_threshold
        return s, v

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        """Run ``T`` steps on ``x_seq [T, B, ...]`` from the initial state; returns spikes."""
        v = self.start(x_seq[0])
        spikes, potentials = [], []
        for t in range(x_seq.shape[0]):
            s, v = self.step(v, x_seq[t])
            spikes.append(s)
            if self.store_v:
                potentials.append(v)
        if self.store_v:
            self.v_seq = torch.stack(potentials)
        return torch.stack(spikes)

    def extra_repr(self) -> str:
        imp = f", imp={tuple(self.init_state.shape[1:])}" if self.has_imp else ""
        return f"v_threshold={self.v_threshold}, v_reset={self.v_reset}, reset={self.reset}{imp}"


class IFNode(BaseNode):
    """Integrate-and-fire: ``v <- v + x``."""

    def charge(self, v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return v + x


class LIFNode(BaseNode):
    """Leaky integrate-and-fire with time constant ``tau`` in steps (SpikingJelly semantics)."""

    def __init__(self, tau: float = 2.0, decay_input: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.tau = float(tau)
        self.decay_input = decay_input

    def charge(self, v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        if self.decay_input:
            return v + (x - (v - self.v_reset)) / self.tau
        return v - (v - self.v_reset) / self.tau + x

    def extra_repr(self) -> str:
        return f"tau={self.tau}, decay_input={self.decay_input}, " + super().extra_repr()
