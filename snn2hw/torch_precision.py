"""Exact float32 while a block runs: no TF32 (or bfloat16) in convolutions and matrix products.

Integer simulations (the fixed backend) and exact float references add integers in float32,
exact only if every product and partial sum is an IEEE float32 operation. torch may round the
inputs of float32 convolutions and matmuls to TF32 (10-bit mantissa) on Ampere and later GPUs
(cuDNN convolutions do by default: ``torch.backends.cudnn.allow_tf32`` is True) or to TF32 or
bfloat16 in oneDNN on CPUs that have them (``torch.set_float32_matmul_precision("medium")``).
:func:`exact_float32` turns all of these off for the duration of a ``with`` block and restores
the caller's settings afterwards, also when the block raises.

torch >= 2.9 keeps an ``fp32_precision`` per backend and operator (what its kernels read) beside
the legacy flags (``allow_tf32``, ``get_float32_matmul_precision``), and refuses to read a
legacy flag that disagrees with them. Both are set: the legacy flags first (their setters also
write the operators' precisions), then every operator's precision to ``"ieee"``. A caller whose
legacy flags cannot be read (it mixed the two APIs) keeps them untouched; only the operators'
precisions are changed then. The settings are process-wide: do not change them from another
thread inside the block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

IEEE = "ieee"
EXACT_LEGACY = {"cudnn.allow_tf32": False, "cuda.matmul.allow_tf32": False,
                "float32_matmul_precision": "highest"}


def _operators() -> dict[str, Any]:
    """The objects holding an ``fp32_precision`` per operator, by name (torch >= 2.9), else
    empty. RNNs are included since torch reads the legacy cuDNN flag only when its conv and
    RNN precisions agree."""
    b: Any = torch.backends  # torch attaches these at run time: no static types
    if not hasattr(b.cudnn, "conv"):
        return {}
    ops = {"cuda.matmul": b.cuda.matmul, "cudnn.conv": b.cudnn.conv, "cudnn.rnn": b.cudnn.rnn,
           "mkldnn.matmul": b.mkldnn.matmul, "mkldnn.conv": b.mkldnn.conv,
           "mkldnn.rnn": b.mkldnn.rnn}
    return ops if all(hasattr(op, "fp32_precision") for op in ops.values()) else {}


def _legacy() -> dict[str, object] | None:
    """The legacy flags, or None when torch refuses to read them (the APIs were mixed)."""
    try:
        return {"cudnn.allow_tf32": torch.backends.cudnn.allow_tf32,
                "cuda.matmul.allow_tf32": torch.backends.cuda.matmul.allow_tf32,
                "float32_matmul_precision": torch.get_float32_matmul_precision()}
    except RuntimeError:
        return None


def precision_settings() -> dict[str, object]:
    """Every setting :func:`exact_float32` may change, by name, as it is now (the legacy flags
    only where they can be read)."""
    precisions = {name: op.fp32_precision for name, op in _operators().items()}
    return {**(_legacy() or {}), **precisions}


def _apply(settings: dict[str, object]) -> None:
    """Legacy flags first (their setters overwrite operator precisions), then precisions."""
    if "cudnn.allow_tf32" in settings:
        torch.backends.cudnn.allow_tf32 = bool(settings["cudnn.allow_tf32"])
        torch.backends.cuda.matmul.allow_tf32 = bool(settings["cuda.matmul.allow_tf32"])
        torch.set_float32_matmul_precision(str(settings["float32_matmul_precision"]))
    for name, op in _operators().items():
        op.fp32_precision = settings[name]


@contextmanager
def exact_float32() -> Iterator[None]:
    """``with exact_float32(): ...`` runs the block with IEEE float32 convolutions and matrix
    products (no TF32, no bfloat16) and restores the caller's settings afterwards."""
    saved = precision_settings()
    exact = {name: EXACT_LEGACY.get(name, IEEE) for name in saved}
    _apply(exact)
    try:
        yield
    finally:
        _apply(saved)
