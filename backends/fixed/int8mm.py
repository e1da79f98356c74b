"""Exact integer matrix products on int8 inputs and weights, int32 accumulators.

``torch._int_mm`` (int8 x int8 -> int32; CPU, and CUDA where it runs on int8 tensor cores) is
torch's only integer GEMM; there is no integer convolution, so Conv stays in float32 (exact
below 2^24, see :mod:`.synapses`). It is used for Dense/Affine synapses whose weights are
``w8 * 2**shift`` with int8 ``w8`` (Loihi's mixed-sign weights are even: ``2 * int8``) on inputs
within int8 (spikes, small integers), when the partial sums stay below 2^31: the same integers
as the float path, by construction. CUDA requires more than 16 rows and row/column counts
that are multiples of 8; the operands are zero-padded to that on every device (padding adds
zero products only).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

INT8_MIN, INT8_MAX = -128, 127
MIN_ROWS, MULTIPLE = 17, 8  # torch._int_mm's CUDA shape rules


def int8_weights(weight: np.ndarray) -> tuple[np.ndarray, int] | None:
    """``weight`` as ``(w8, shift)`` with ``weight == w8 * 2**shift``, int8 ``w8`` and the
    smallest such ``shift``; None when the weights are not such integers."""
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim != 2 or np.abs(w).max(initial=0) >= 2**15 or not np.array_equal(w, np.rint(w)):
        return None  # larger weights never fit (127 << 7 < 2^15); the int64 cast stays defined
    ints = w.astype(np.int64)
    for shift in range(8):
        w8 = ints >> shift
        if np.array_equal(w8 << shift, ints) and w8.min(initial=0) >= INT8_MIN \
                and w8.max(initial=0) <= INT8_MAX:
            return w8.astype(np.int8), shift
    return None


def _padded(size: int, multiple: int = MULTIPLE) -> int:
    return -(-size // multiple) * multiple


def linear(weight: np.ndarray, bias: np.ndarray | None, device
           ) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """``x -> x @ weight.T + bias`` as int32 through ``torch._int_mm`` for integer ``x``
    within int8, or None when ``weight``/``bias`` do not allow it (the caller keeps its float
    path). The caller checks the input range and that the sums stay below 2^31."""
    split = int8_weights(weight)
    if split is None or not hasattr(torch, "_int_mm"):
        return None
    if bias is not None and not np.array_equal(bias, np.rint(bias)):
        return None
    w8, shift = split
    n, k = w8.shape
    packed = torch.zeros((_padded(n), _padded(k)), dtype=torch.int8, device=device)
    packed[:n, :k] = torch.as_tensor(w8, device=device)
    offset = None if bias is None else torch.as_tensor(
        np.rint(bias).astype(np.int32), device=device)

    def run(x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, k)
        m = rows.shape[0]
        if m >= MIN_ROWS and k == packed.shape[1]:
            a = rows.to(torch.int8, memory_format=torch.contiguous_format)
        else:
            a = torch.zeros((max(m, MIN_ROWS), packed.shape[1]), dtype=torch.int8,
                            device=x.device)
            a[:m, :k] = rows  # exact: the caller checked the range
        y = torch._int_mm(a, packed.t())[:m, :n]
        if shift:
            y = y << shift
        if offset is not None:
            y = y + offset
        return y.reshape(*x.shape[:-1], n)

    return run
