"""Stateless integer nodes (Affine/Linear, Conv, pooling, Flatten) on ``[N, ...]``.

Accumulations are exact: a sum of integer products runs in float32 when the largest possible
partial sum is below 2^24 (every partial sum is then an exact float32 integer), else in float64
(exact below 2^53, far beyond any format here). Results stay in that float tensor (exact
integers) until a shift or wrap, or a neuron, needs an integer type. Loihi mode applies
Lava's Dense weight clipping/truncation and ``weight_exp`` shift and its Conv 24-bit wrap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import nir
import numpy as np
import torch
import torch.nn.functional as F

from snn2hw.errors import UnsupportedError
from snn2hw.ir.graph import flatten_dims

from . import int8mm, intops
from .formats import CONV_ACCUMULATOR_BITS, LOIHI

FLOAT32_EXACT = 2**24
FLOAT64_EXACT = 2**53
INT32_EXACT = 2**31


def lava_dense_weights(weights: np.ndarray, num_weight_bits: int = LOIHI.weight_bits) -> np.ndarray:
    """The weights Lava's bit-accurate Dense really uses: ``clip_weights`` to 8 bits and
    ``truncate_weights`` to ``num_weight_bits`` by sign mode (lava/utils/weightutils.py)."""
    w = np.asarray(weights).astype(np.int64)
    bits = LOIHI.weight_bits
    if w.min() >= 0:
        return (np.clip(w, 0, 2**bits - 1) >> (bits - num_weight_bits)) << (bits - num_weight_bits)
    if w.max() <= 0:
        return -lava_dense_weights(-w, num_weight_bits)
    cut = bits - num_weight_bits + 1
    return (np.clip(w, -(2**bits), 2**bits - 1) >> cut) << cut


@dataclass(frozen=True)
class Bound:
    """How large an op's partial sums can get: at most ``max|x| * absolute + offset``, and for
    non-negative inputs (spikes, pooled spikes) ``max(x) * one_sided + offset``, ``one_sided``
    being the larger of the positive and the negative weight sums of a row."""

    absolute: float = 1.0
    one_sided: float = 1.0
    offset: float = 0.0

    @classmethod
    def of_rows(cls, weight: np.ndarray, bias: np.ndarray | None = None) -> Bound:
        rows = np.asarray(weight, dtype=np.float64).reshape(np.shape(weight)[0], -1)
        pos = np.maximum(rows, 0.0).sum(axis=1)  # np.clip is several times slower here
        neg = pos - rows.sum(axis=1)
        offset = float(np.abs(bias).max()) if bias is not None and np.size(bias) else 0.0
        absolute, one_sided = (pos + neg).max(initial=0.0), np.maximum(pos, neg).max(initial=0.0)
        return cls(float(absolute), float(one_sided), offset)

    def of(self, low: int, high: int) -> float:
        """The bound for inputs in ``[low, high]``."""
        if low >= 0:
            return high * self.one_sided + self.offset
        return max(-low, high) * self.absolute + self.offset


def value_range(x: torch.Tensor) -> tuple[int, int]:
    """(min, max) of an integer-valued tensor; spikes (bool) are (0, 1), empty (0, 0)."""
    return (0, 1) if x.dtype == torch.bool and x.numel() else intops.span(x)


@dataclass
class IntOp:
    """One stateless integer node: ``fn`` on float tensors holding integers, exact while the
    partial sums (``bound``) stay inside the float format's exact integer range."""

    fn: Callable[[torch.Tensor], torch.Tensor]
    bound: Bound = field(default_factory=Bound)
    # applied to the float result (exact integers) with the bound of its magnitude:
    # (result, events or None)
    post: Callable[[torch.Tensor, float], tuple[torch.Tensor, torch.Tensor | None]] | None = None
    counters: dict[str, torch.Tensor] = field(default_factory=dict)
    # the same integers as int32 for inputs within int8 and sums below 2^31 (see int8mm)
    int8: Callable[[torch.Tensor], torch.Tensor] | None = None

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        low, high = value_range(x)
        bound = self.bound.of(low, high)
        if bound >= FLOAT64_EXACT:
            raise UnsupportedError(f"accumulation bound {bound:.3g} exceeds exact float64 range")
        dtype = torch.float32 if bound < FLOAT32_EXACT else torch.float64
        in_int8 = int8mm.INT8_MIN <= low and high <= int8mm.INT8_MAX
        if self.int8 is not None and in_int8 and bound < INT32_EXACT and x.numel():
            y = self.int8(x).to(dtype)  # the float path's type: consumers see no difference
        else:
            y = self.fn(x.to(dtype))
        if self.post is None:
            return y  # exact integers in a float tensor: the next op needs no conversion
        y, events = self.post(y, bound)
        if events is not None:
            intops.count(self.counters, "accumulator_overflow", events)
        return y


def as_integer(y: torch.Tensor, bound: float) -> torch.Tensor:
    """The exact integers of a float result whose magnitude is below ``bound``, as int32 when
    they fit, else int64 (for shifts and wraps)."""
    return y.to(torch.int32 if bound < INT32_EXACT else torch.int64)


def _typed(weight: np.ndarray, device) -> dict[torch.dtype, torch.Tensor]:
    w = np.asarray(weight, dtype=np.float64)
    return {d: torch.as_tensor(w, dtype=d, device=device) for d in (torch.float32, torch.float64)}


def affine(weight: np.ndarray, bias: np.ndarray | None, device) -> IntOp:
    """``x @ weight.T + bias`` on integers (``bias`` None: none)."""
    ws = _typed(weight, device)
    bs = _typed(bias, device) if bias is not None else None
    return IntOp(lambda x: F.linear(x, ws[x.dtype], bs[x.dtype] if bs else None),
                 Bound.of_rows(weight, bias), int8=int8mm.linear(weight, bias, device))


def _pairs(values) -> tuple[int, ...]:
    return tuple(int(v) for v in np.atleast_1d(values))


def conv(node: nir.Conv1d | nir.Conv2d, weight: np.ndarray, bias: np.ndarray | None, device
         ) -> IntOp:
    """``node``'s geometry with integer ``weight`` and ``bias`` (None: no bias)."""
    bound = Bound.of_rows(weight, bias)
    pooled = _as_pool(node, weight, bias, device)
    if pooled is not None:
        return IntOp(pooled, bound)
    ws = _typed(weight, device)
    bs = _typed(bias, device) if bias is not None else None
    pad = node.padding if isinstance(node.padding, str) else _pairs(node.padding)
    args: dict[str, Any] = dict(stride=_pairs(node.stride), padding=pad,
                                dilation=_pairs(node.dilation), groups=int(node.groups))
    if isinstance(node, nir.Conv1d):
        return IntOp(lambda x: F.conv1d(x, ws[x.dtype], bs[x.dtype] if bs else None, **args),
                     bound)
    # channels_last (NHWC), oneDNN's native layout on CPU, from 8x8 inputs up (measured per
    # layer: 0.5-0.8x the NCHW time there, 1.2-1.7x on 2x2..6x6 inputs). The sums are exact in
    # any order, so the integers are the same; the layout flows through the neurons
    # (steps_like) and pools (window_sum), values and shapes unchanged.
    layout = torch.channels_last if _area(node) >= CHANNELS_LAST_AREA else torch.contiguous_format
    ws = {d: w.contiguous(memory_format=layout) for d, w in ws.items()}
    return IntOp(lambda x: F.conv2d(x.contiguous(memory_format=layout), ws[x.dtype],
                                    bs[x.dtype] if bs else None, **args), bound)


CHANNELS_LAST_AREA = 64  # input pixels from which 2-D convolutions run channels_last


def _area(node: nir.Conv2d) -> int:
    """Input pixels of a 2-D convolution (its NIR ``input_shape``; large when unknown)."""
    shape = np.atleast_1d(np.asarray(node.input_shape)) if node.input_shape is not None else ()
    return int(np.prod(shape[-2:])) if len(shape) >= 2 else CHANNELS_LAST_AREA


def _as_pool(node, weight: np.ndarray, bias, device):
    """A depthwise 2-D convolution whose kernels are constant (a pool mapped to Conv, as the
    Loihi pass does) as a per-channel multiple of an exact sum pool, which is much faster."""
    w = np.asarray(weight)
    depthwise = isinstance(node, nir.Conv2d) and w.ndim == 4 and w.shape[1] == 1
    if not depthwise or int(node.groups) != w.shape[0] or bias is not None:
        return None
    if isinstance(node.padding, str) or any(d != 1 for d in _pairs(node.dilation)):
        return None
    flat = w.reshape(w.shape[0], -1)
    if not np.all(flat == flat[:, :1]):
        return None
    window = window_sum(w.shape[2:], _pairs(node.stride), _pairs(node.padding))
    if np.all(flat == 1):  # the Loihi pass gives pools unit weights
        return window
    factor = _typed(flat[:, 0].reshape(-1, 1, 1), device)
    return lambda x: window(x) * factor[x.dtype]


def window_sum(kernel: tuple[int, ...], stride: tuple[int, ...], padding: tuple[int, ...]
               ) -> Callable[[torch.Tensor], torch.Tensor]:
    """Exact 2-D window sums (padded zeros count, as in the reference). Non-overlapping windows
    without padding on NCHW add strided views (several times faster than ``avg_pool2d`` there;
    on channels_last ``avg_pool2d`` is faster)."""
    kernel, stride, padding = (tuple(v) * (3 - len(v)) for v in (kernel, stride, padding))

    def pooled(x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(x, kernel, stride, padding, divisor_override=1)

    if kernel != stride or any(padding):
        return pooled
    ky, kx = (int(k) for k in kernel)

    def tiled(x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(
                memory_format=torch.channels_last):
            return pooled(x)
        rows, cols = x.shape[-2] // ky, x.shape[-1] // kx
        band = x[..., : rows * ky, : cols * kx].unflatten(-2, (rows, ky))
        summed = band[..., 0, :]  # rows of each window first, then its columns
        for i in range(1, ky):
            summed = summed + band[..., i, :]
        tiles = summed.unflatten(-1, (cols, kx))
        total = tiles[..., 0]
        for j in range(1, kx):
            total = total + tiles[..., j]
        return total

    return tiled


def sum_pool(node: nir.SumPool2d) -> IntOp:
    """Exact window sums (``divisor_override=1``); padded zeros count, as in the reference."""
    kernel = _pairs(node.kernel_size)
    kernel = kernel * 2 if len(kernel) == 1 else kernel
    area = float(np.prod(kernel))
    return IntOp(window_sum(kernel, _pairs(node.stride), _pairs(node.padding)), Bound(area, area))


def flatten(node: nir.Flatten) -> Callable[[torch.Tensor], torch.Tensor]:
    """As the reference backend (:func:`snn2hw.ir.graph.flatten_dims`); any dtype passes."""
    start, end = flatten_dims(node)
    return lambda x: torch.flatten(x, start, end)


def identity(x: torch.Tensor) -> torch.Tensor:
    return x


def with_shift(op: IntOp, exponent: int) -> IntOp:
    """Lava Dense: ``a_out = a_accum << weight_exp`` (arithmetic ``>>`` when negative)."""
    if exponent:
        op.post = lambda y, bound: (intops.shift(as_integer(y, bound), exponent), None)
    return op


def with_wrap(op: IntOp, bits: int = CONV_ACCUMULATOR_BITS) -> IntOp:
    """Lava Conv: the accumulation wraps to ``bits`` signed bits (skipped when it cannot; the
    result then stays in its float tensor)."""
    half = 2 ** (bits - 1)
    op.counters["accumulator_overflow"] = torch.zeros((), dtype=torch.int64)
    op.post = lambda y, bound: (intops.wrap(as_integer(y, bound), bits) if bound >= half
                                else (y, None))
    return op
