"""Exact integer primitives on integer tensors: rounding shifts, saturation and wrap-around.

Each saturating or wrapping function returns the result and the number of elements it changed,
so callers can count saturation and overflow events per layer. Counts stay 0-d tensors (no
device synchronisation inside time loops).
"""

from __future__ import annotations

import torch


def shift_right(x: torch.Tensor, bits: int, rounding: str) -> torch.Tensor:
    """``x / 2**bits`` rounded to an integer: ``nearest`` (half away from zero), ``floor`` or
    ``zero`` (truncation, Lava's ``sign(x) * (|x| >> bits)``)."""
    if bits == 0:
        return x
    if rounding == "floor":
        return x >> bits
    if rounding == "zero":
        return torch.div(x, 2**bits, rounding_mode="trunc")
    half = 1 << (bits - 1)
    return torch.sign(x) * ((x.abs() + half) >> bits)


def shift(x: torch.Tensor, exponent: int) -> torch.Tensor:
    """``x << exponent`` or, for a negative exponent, the arithmetic ``x >> -exponent`` (numpy's
    ``left_shift``/``right_shift`` as Lava's Dense uses them)."""
    return x << exponent if exponent >= 0 else x >> -exponent


def saturate(x: torch.Tensor, limit: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Clip to ``[-limit, limit]``; also the number of clipped elements."""
    clipped = x.clamp(-limit, limit)
    return clipped, (clipped != x).sum()


def wrap(x: torch.Tensor, bits: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two's-complement wrap to ``bits`` signed bits (Lava's Conv ``signed_clamp``); also the
    number of elements that overflowed."""
    base = 1 << bits
    wrapped = (x + base // 2) % base - base // 2
    return wrapped, (wrapped != x).sum()


def wrap_once(x: torch.Tensor, bits: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Lava LIF's current wrap: ``x - 2**bits`` where ``x > 2**(bits-1)``, ``x + 2**bits`` where
    ``x <= -2**(bits-1)`` (note ``+2**(bits-1)`` itself wraps and ``-2**(bits-1)`` too)."""
    half = 1 << (bits - 1)
    high, low = x > half, x <= -half
    wrapped = x - (high.to(x.dtype) - low.to(x.dtype)) * (2 * half)  # faster than torch.where
    return wrapped, (high | low).sum()


def round_float(x: torch.Tensor, rounding: str) -> torch.Tensor:
    """Round a float tensor to integers (as float) with one of the rounding modes."""
    if rounding == "floor":
        return torch.floor(x)
    if rounding == "zero":
        return torch.trunc(x)
    return torch.sign(x) * torch.floor(x.abs() + 0.5)


def span(x: torch.Tensor) -> tuple[int, int]:
    """(min, max) of ``x`` in one pass; (0, 0) when empty. A channels_last (or other permuted)
    tensor is read through its dense view: ``aminmax`` would first copy it to NCHW."""
    if x.numel() == 0:
        return 0, 0
    if not x.is_contiguous():
        strides = x.stride()
        order = sorted(range(x.dim()), key=lambda d: -strides[d])
        dense = x.permute(order)
        x = dense if dense.is_contiguous() else x
    low, high = torch.aminmax(x)
    return int(low), int(high)


def count(counters: dict[str, torch.Tensor], key: str, events: torch.Tensor) -> None:
    """Add ``events`` to ``counters[key]`` on the events' device (no synchronisation)."""
    previous = counters.get(key)
    counters[key] = events if previous is None else previous.to(events.device) + events
