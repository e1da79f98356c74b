"""Integer neuron populations run over a whole sequence ``x [T, B, ...]`` at once.

:class:`LoihiLif` is Lava's ``PyLifModelBitAcc`` step for step, in Lava's own types (int32
state, int64 decay products); :class:`GenericNeuron` is the configurable fixed-point neuron of
generic mode (int64). Both keep event counters (0-d tensors) and return spikes as 0/1 (float32
for :class:`LoihiLif`, bool for :class:`GenericNeuron`; the potential of non-spiking neurons)
and, on request, the potential after reset, ``[T, B, ...]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from . import intops
from .formats import CURRENT_DECAY_OFFSET, LOIHI, VOLTAGE_DECAY_OFFSET, GenericFormat


def _zero() -> torch.Tensor:
    return torch.zeros((), dtype=torch.int64)


def as_int32(x: torch.Tensor) -> torch.Tensor:
    """Exact integers (any dtype) as a new int32 tensor, wrapping like Lava's int32 variables;
    float32 holds only exact integers below 2^24 here, so it converts directly."""
    if x.dtype in (torch.float64, torch.int64):
        x = x.to(torch.int64)
    return x.to(torch.int32, copy=True)


def _decay(x: torch.Tensor, keep: int) -> torch.Tensor:
    """Lava's ``int32(sign(x * keep) * (|x * keep| >> 12))`` with the product in int64."""
    product = x.to(torch.int64) * keep
    return torch.div(product, LOIHI.decay_unity, rounding_mode="trunc").to(torch.int32)


def _new(like: torch.Tensor) -> torch.Tensor:
    """An uninitialised contiguous tensor of ``like``'s shape, dtype and device (``like`` may
    be an expanded view)."""
    return torch.empty(like.shape, dtype=like.dtype, device=like.device)


def span(x: torch.Tensor) -> tuple[int, int]:
    """(min, max) of ``x`` in one pass; (0, 0) when empty."""
    if x.numel() == 0:
        return 0, 0
    low, high = torch.aminmax(x)
    return int(low), int(high)


def may_leave(v0: tuple[int, int], drive: tuple[int, int], steps: int, ceiling: int,
              limit: int) -> bool:
    """Whether a hard-reset membrane could pass ``±limit`` given the ``(min, max)`` of its
    per-step drive and of its initial value ``v0``: it never exceeds ``max(ceiling, v0, 0) +
    max(drive)`` (unfired neurons stay at or below ``ceiling``, the threshold or reset level,
    and decay only shrinks |v|) nor falls below ``min(v0, 0) + T * min(drive)``. No check per
    step is needed when it cannot."""
    top = max(ceiling, v0[1], 0) + max(drive[1], 0)
    bottom = min(v0[0], 0) + steps * min(drive[0], 0)
    return top > limit or bottom < -limit


@dataclass
class LoihiLif:
    """Lava's bit-accurate LIF: ``du``, ``dv`` and ``vth`` per population; ``bias_mant``,
    ``bias_exp`` and ``v_init`` broadcastable to the neuron shape (int64 tensors)."""

    du: int
    dv: int
    vth: int
    bias_mant: torch.Tensor
    bias_exp: torch.Tensor
    v_init: torch.Tensor

    def __post_init__(self) -> None:
        self.counters = {"current_overflow": _zero(), "voltage_saturation": _zero()}
        bias = torch.where(self.bias_exp >= 0, self.bias_mant << self.bias_exp.clamp(min=0),
                           self.bias_mant >> (-self.bias_exp).clamp(min=0))
        self.bias, self.v_init = bias.to(torch.int32), self.v_init.to(torch.int32)
        self.biased = bool(self.bias.any())
        self.spans = {"bias": span(self.bias), "v_init": span(self.v_init)}  # no syncs in run

    def _wrap(self, u: torch.Tensor) -> torch.Tensor:
        u, events = intops.wrap_once(u, LOIHI.state_bits)
        intops.count(self.counters, "current_overflow", events)
        return u

    def currents(self, a_in: torch.Tensor, steps: int) -> tuple[torch.Tensor, tuple[int, int]]:
        """u for every step (all at once when ``du = 4095`` clears u each step: then an input
        with one step gives one step of u) and its span."""
        keep = LOIHI.decay_unity - (self.du + CURRENT_DECAY_OFFSET)
        if keep == 0:
            low, high = (v << LOIHI.activation_shift for v in span(a_in))
            drive = as_int32(a_in).bitwise_left_shift_(LOIHI.activation_shift)  # int32 as in Lava
            half = 2 ** (LOIHI.state_bits - 1)
            if -half < low and high <= half:
                return drive, (low, high)
            u = self._wrap(drive)
            return u, span(u)
        drive = as_int32(a_in).bitwise_left_shift_(LOIHI.activation_shift)
        drive = drive.expand(steps, *drive.shape[1:])
        u, out = torch.zeros_like(drive[0]), []
        for t in range(steps):
            u = self._wrap(_decay(u, keep) + drive[t])
            out.append(u)
        u = torch.stack(out)
        return u, span(u)

    def _drive(self, a_in: torch.Tensor, steps: int) -> tuple[torch.Tensor, tuple[int, int]]:
        """``u + bias`` per step and its (min, max)."""
        currents, (low, high) = self.currents(a_in, steps)
        if not self.biased:
            return currents, (low, high)
        bounds = (low + self.spans["bias"][0], high + self.spans["bias"][1])
        return currents.add_(self.bias), bounds

    def run(self, a_in: torch.Tensor, record: bool = False, steps: int | None = None
            ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Spikes and, when ``record``, the potentials after reset, ``[T, B, ...]``; ``a_in``
        with one step is the same input at every one of ``steps`` steps."""
        steps = a_in.shape[0] if steps is None else steps
        drive, bounds = self._drive(a_in, steps)
        keep = LOIHI.decay_unity - (self.dv + VOLTAGE_DECAY_OFFSET)
        threshold = self.vth << LOIHI.threshold_shift
        clip = may_leave(self.spans["v_init"], bounds, steps, threshold, LOIHI.state_max)
        if keep != LOIHI.decay_unity:
            return self._run_decaying(drive, steps, keep, clip, record)
        drive = drive.expand(steps, *drive.shape[1:])
        v = torch.zeros_like(drive[0]) + self.v_init
        quiet = torch.empty_like(drive[0])  # 1 where not fired: int32 is the fastest mask here
        # spikes as float32 0/1, the type every consumer (Conv, Dense, pools, sums of spikes)
        # computes in: a population feeding several consumers needs no conversion
        spikes = torch.empty(drive.shape, device=drive.device)
        potentials = _new(drive) if record else None
        for t in range(steps):
            v.add_(drive[t])  # v is a fresh tensor: never a view of the input or of v_init
            if clip:
                v, events = intops.saturate(v, LOIHI.state_max)
                intops.count(self.counters, "voltage_saturation", events)
            torch.gt(v, threshold, out=spikes[t])
            torch.le(v, threshold, out=quiet)
            v.mul_(quiet)  # reset to 0 where fired; much faster than masked_fill_ or where
            if potentials is not None:  # recording
                potentials[t] = v
        return spikes, potentials

    def _run_decaying(self, drive: torch.Tensor, steps: int, keep: int, clip: bool,
                      record: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        """:meth:`run` with a voltage decay, the membrane held in float64: Lava's
        ``trunc(v * keep / 4096)`` is exact there (|v| < 2^24 and keep < 2^12: at most 36
        significant bits), so no step needs an integer division or a type conversion."""
        factor = keep / LOIHI.decay_unity  # a dyadic fraction: v * factor is exact
        drive = drive.to(torch.float64).expand(steps, *drive.shape[1:])
        threshold = float(self.vth << LOIHI.threshold_shift)
        v = torch.zeros_like(drive[0]) + self.v_init
        quiet = torch.empty_like(v)
        spikes = torch.empty(drive.shape, device=drive.device)
        potentials = torch.empty(drive.shape, dtype=torch.int32, device=drive.device) \
            if record else None
        for t in range(steps):
            v.mul_(factor).trunc_()
            v.add_(drive[t])
            if clip:
                v, events = intops.saturate(v, LOIHI.state_max)
                intops.count(self.counters, "voltage_saturation", events)
            torch.gt(v, threshold, out=spikes[t])
            torch.le(v, threshold, out=quiet)
            v.mul_(quiet)
            if potentials is not None:  # recording
                potentials[t] = v
        return spikes, potentials


@dataclass
class GenericNeuron:
    """``v = round(v * decay / 2^decay_bits) + x + bias``, saturated (or wrapped) to the state
    bits; spiking neurons fire when ``v > vth`` and reset to ``v_reset`` (hard) or subtract
    ``v_sub`` (soft). Parameters are int64 tensors broadcastable to the neuron shape."""

    fmt: GenericFormat
    decay: torch.Tensor
    bias: torch.Tensor
    v_init: torch.Tensor
    vth: torch.Tensor | None = None  # None: non-spiking (LI, I)
    v_reset: torch.Tensor | None = None
    subtract: torch.Tensor | None = None  # amount removed by a soft reset; None: hard reset

    def __post_init__(self) -> None:
        self.counters = {"state_saturation" if self.fmt.saturate else "state_overflow": _zero()}
        self.integrator = bool((self.decay == 2**self.fmt.decay_bits).all())
        if self.vth is not None and self.subtract is None and self.v_reset is None:
            raise ValueError("a hard-reset neuron needs v_reset")

    def _bound(self, v: torch.Tensor) -> torch.Tensor:
        if self.fmt.saturate:
            v, events = intops.saturate(v, self.fmt.state_max)
        else:
            v, events = intops.wrap(v, self.fmt.state_bits)
        intops.count(self.counters, next(iter(self.counters)), events)
        return v

    def _may_leave(self, v0: torch.Tensor, drive: torch.Tensor, steps: int) -> bool:
        if self.vth is None or self.v_reset is None or self.subtract is not None:
            return True  # no reset bounds the membrane
        ceiling = int(torch.maximum(self.vth.max(), self.v_reset.max()))
        return may_leave(span(v0), span(drive), steps, ceiling, self.fmt.state_max)

    def run(self, x: torch.Tensor, record: bool = False, steps: int | None = None
            ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Spikes (or v for non-spiking neurons) and, when ``record``, v after reset; ``x`` with
        one step is the same input at every one of ``steps`` steps."""
        steps = x.shape[0] if steps is None else steps
        drive = x.to(torch.int64) + self.bias
        v = torch.zeros_like(drive[0]) + self.v_init
        bound = self._may_leave(v, drive, steps)
        drive = drive.expand(steps, *drive.shape[1:])
        outputs, potentials = [], []
        for t in range(steps):
            if not self.integrator:
                v = intops.shift_right(v * self.decay, self.fmt.decay_bits, self.fmt.rounding)
            v = v + drive[t]
            if bound:
                v = self._bound(v)
            if self.vth is None:
                outputs.append(v)
            else:
                fired = v > self.vth
                if self.subtract is not None:
                    v = v - fired * self.subtract
                else:
                    assert self.v_reset is not None  # checked in __post_init__
                    v = torch.where(fired, self.v_reset, v)
                outputs.append(fired)
            if record:
                potentials.append(v)
        return torch.stack(outputs), torch.stack(potentials) if record else None
