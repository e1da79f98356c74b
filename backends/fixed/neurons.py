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
from .intops import span
from .synapses import FLOAT32_EXACT

DIRECT_LIMIT = 2**30  # |drive| below it: v + drive cannot leave Lava's int32


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


def steps_like(like: torch.Tensor, steps: int, dtype: torch.dtype) -> torch.Tensor:
    """An uninitialised ``[steps, *like.shape]`` tensor whose every step has ``like``'s layout
    (a channels_last step stays channels_last: elementwise ops between layouts are slow)."""
    if like.dim() == 4 and like.is_contiguous(memory_format=torch.channels_last):
        flat = torch.empty((steps * like.shape[0], *like.shape[1:]), dtype=dtype,
                           device=like.device, memory_format=torch.channels_last)
        return flat.unflatten(0, (steps, like.shape[0]))
    return torch.empty((steps, *like.shape), dtype=dtype, device=like.device)


def _truncate(v: torch.Tensor, scratch: torch.Tensor) -> None:
    """``v`` rounded toward zero in place. float32 as ``floor(|v|)`` with v's sign: 0.7x the
    time of ``trunc_``, which torch does not vectorise on CPU (float64 gains nothing)."""
    if v.dtype != torch.float32:
        v.trunc_()
        return
    torch.abs(v, out=scratch).floor_()
    torch.copysign(scratch, v, out=v)


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

    def _direct(self, a_in: torch.Tensor) -> tuple[int, int] | None:
        """The (min, max) of ``(a_in << 6) + bias`` when that is each step's drive with no
        current state or wrap (``du = 4095``, the 24-bit current cannot wrap) and it stays
        below 2^30 in magnitude (``v + drive`` then cannot wrap Lava's int32 either); else None.
        The membrane then adds ``a_in`` itself, scaled, in its own float type."""
        if LOIHI.decay_unity - (self.du + CURRENT_DECAY_OFFSET) != 0:
            return None
        low, high = (v << LOIHI.activation_shift for v in span(a_in))
        half = 2 ** (LOIHI.state_bits - 1)
        if not (-half < low and high <= half):
            return None
        low, high = low + self.spans["bias"][0], high + self.spans["bias"][1]
        return (low, high) if max(-low, high) < DIRECT_LIMIT else None

    def run(self, a_in: torch.Tensor, record: bool = False, steps: int | None = None
            ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Spikes and, when ``record``, the potentials after reset, ``[T, B, ...]``; ``a_in``
        with one step is the same input at every one of ``steps`` steps.

        The membrane is float32 when the input is added directly, ``v_init`` is within the
        24-bit state and the decay factor ``keep / 4096`` is a power of two (no decay, or e.g.
        ``dv = 3072``): Lava's ``trunc(v * keep / 4096)`` is then exact in float32, |v| <=
        ``state_max`` before each step and ``a_in << 6`` is below 2^23, so a sum is inexact
        only beyond 2^24, where it is clipped to ``±state_max`` anyway (rounding is monotonic
        and ``state_max`` a float32). Other decays use float64 (``v * keep`` has at most 36
        significant bits: exact); a wrapping current without decay uses int32 as in Lava."""
        steps = a_in.shape[0] if steps is None else steps
        keep = LOIHI.decay_unity - (self.dv + VOLTAGE_DECAY_OFFSET)
        threshold = self.vth << LOIHI.threshold_shift
        direct = self._direct(a_in)
        if direct is not None:
            source, bounds, scale = a_in, direct, 2**LOIHI.activation_shift
        else:
            (source, bounds), scale = self._drive(a_in, steps), 1
        clip = may_leave(self.spans["v_init"], bounds, steps, threshold, LOIHI.state_max)
        start = max(abs(v) for v in self.spans["v_init"])
        exact = start <= LOIHI.state_max and threshold < FLOAT32_EXACT and keep & (keep - 1) == 0
        if direct is not None and exact:
            dtype = torch.float32
        elif direct is None and keep == LOIHI.decay_unity:
            dtype = torch.int32
        else:
            dtype = torch.float64
        bias = self.bias if direct is not None and self.biased else None
        return self._integrate(source, scale, bias, steps, keep, threshold, dtype, clip, record)

    def _integrate(self, source: torch.Tensor, scale: int, bias: torch.Tensor | None,
                   steps: int, keep: int, threshold: int, dtype: torch.dtype, clip: bool,
                   record: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The membrane loop: ``v = decay(v) + source[t] * scale + bias``, saturated when
        ``clip``, spikes where ``v > threshold`` and reset to 0 there; ``v`` in ``dtype``."""
        first = source[0]
        v = torch.empty_like(first, dtype=dtype)
        v.copy_(self.v_init)
        typed_bias = None if bias is None else bias.to(dtype)
        static = None
        if source.shape[0] == 1:  # the same drive at every step: computed once
            static = first.to(dtype, copy=True)
            if scale != 1:
                static.mul_(scale)
            if typed_bias is not None:
                static.add_(typed_bias)
        buffer = torch.empty_like(v) if source.dtype != dtype else None  # mixed types are slow
        level = float(threshold) if dtype.is_floating_point else threshold
        spikes = steps_like(v, steps, torch.float32)  # the type every consumer computes in
        fired = None if dtype == torch.float32 else torch.empty_like(v, dtype=torch.bool)
        quiet = torch.empty_like(v)  # 1 where not fired: faster than masked_fill_ or where
        potentials = steps_like(v, steps, torch.int32) if record else None
        factor = keep / LOIHI.decay_unity  # a dyadic fraction: v * factor is exact
        for t in range(steps):
            if keep != LOIHI.decay_unity:
                _truncate(v.mul_(factor), quiet)  # quiet is free until the comparison
            if static is not None:
                v.add_(static)
            else:
                step = source[t] if buffer is None else buffer.copy_(source[t])
                v.add_(step, alpha=scale)
                if typed_bias is not None:
                    v.add_(typed_bias)
            if clip:
                v, events = intops.saturate(v, LOIHI.state_max)
                intops.count(self.counters, "voltage_saturation", events)
            if fired is None:
                torch.gt(v, level, out=spikes[t])
            else:  # a comparison into another float type is several times slower
                spikes[t].copy_(torch.gt(v, level, out=fired))
            torch.le(v, level, out=quiet)
            v.mul_(quiet)  # reset to 0 where fired
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
