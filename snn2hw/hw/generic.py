"""The configurable fixed-point format of generic quantisation (snn2hw.passes.quantize_generic)
and its rounding rules: named data, not literals in code."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from snn2hw.errors import BadInputError

ROUNDING_MODES = ("nearest", "floor", "zero")
GRANULARITIES = ("layer", "channel")
INT64_PRODUCT_BITS = 62  # v * decay must fit a signed 64-bit integer


@dataclass(frozen=True)
class GenericFormat:
    """Weights: signed ``weight_bits`` (symmetric); membrane: signed ``state_bits``, saturating or
    wrapping; decay: unsigned ``decay_bits`` fraction; ``rounding`` for weights, parameters and
    the decay product; one scale per layer or per output channel."""

    weight_bits: int = 8
    state_bits: int = 24
    decay_bits: int = 12
    granularity: str = "layer"
    rounding: str = "nearest"
    saturate: bool = True

    def __post_init__(self) -> None:
        problems = []
        if not 2 <= self.weight_bits <= 16:
            problems.append(f"weight_bits must be in 2..16, got {self.weight_bits}")
        if not self.weight_bits < self.state_bits <= 48:
            problems.append(
                f"state_bits must be in {self.weight_bits + 1}..48, got {self.state_bits}")
        if not 1 <= self.decay_bits <= 24:
            problems.append(f"decay_bits must be in 1..24, got {self.decay_bits}")
        if self.state_bits + self.decay_bits > INT64_PRODUCT_BITS:
            problems.append(f"state_bits + decay_bits must not exceed {INT64_PRODUCT_BITS}")
        if self.granularity not in GRANULARITIES:
            problems.append(f"granularity must be one of {GRANULARITIES}, got {self.granularity!r}")
        if self.rounding not in ROUNDING_MODES:
            problems.append(f"rounding must be one of {ROUNDING_MODES}, got {self.rounding!r}")
        if problems:
            raise BadInputError("; ".join(problems))

    @property
    def weight_max(self) -> int:
        return 2 ** (self.weight_bits - 1) - 1

    @property
    def state_max(self) -> int:
        return 2 ** (self.state_bits - 1) - 1

    def to_metadata(self) -> dict:
        """As NIR metadata (``saturate`` as 0/1)."""
        return {**asdict(self), "saturate": int(self.saturate)}

    @classmethod
    def from_metadata(cls, data: dict) -> GenericFormat:
        """Inverse of :meth:`to_metadata`, accepting bytes and numpy scalars from NIR files."""
        values = {k: _plain(v) for k, v in data.items() if k in cls.__dataclass_fields__}
        if "saturate" in values:
            values["saturate"] = bool(values["saturate"])
        return cls(**values)


def _plain(value):
    if isinstance(value, bytes):
        return value.decode()
    return value.item() if isinstance(value, np.generic | np.ndarray) else value


def round_to_int(x: np.ndarray, rounding: str) -> np.ndarray:
    """Round to integers (float64 values): nearest (half away from zero), floor, or toward zero."""
    x = np.asarray(x, dtype=np.float64)
    if rounding == "floor":
        return np.floor(x)
    if rounding == "zero":
        return np.trunc(x)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def ratio(a, b) -> np.ndarray:
    """``a / b`` with quotients within float error of an integer snapped to it, so that
    ``max|w| / scale`` is exactly ``weight_max`` under every rounding mode."""
    q = np.asarray(a, dtype=np.float64) / np.asarray(b, dtype=np.float64)
    near = np.round(q)
    return np.where(np.abs(q - near) <= 1e-9 * np.maximum(1.0, np.abs(q)), near, q)
