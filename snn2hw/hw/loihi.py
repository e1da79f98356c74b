"""Number formats of Loihi 2 as modelled by Lava's bit-accurate processes (lava-nc 0.10.0).

Sources (installed package source, read directly; summarised in research/nir_lava.md §5):

- ``lava/proc/lif/models.py::AbstractPyLifModelFixed``: u and v are 24-bit, du and dv are
  12-bit fractions of 4096, ``u <- u * (4096 - (du + 1)) / 4096 + (a_in << 6)`` (rounding toward
  zero), ``v`` saturates at +-(2^23 - 1), spike when ``v > vth << 6``, vth is a 17-bit unsigned
  mantissa, the bias is ``bias_mant << bias_exp`` with a 13-bit signed mantissa and 3-bit exponent.
- ``lava/proc/dense/models.py`` and ``lava/utils/weightutils.py``: 8-bit weights, clipped to
  [-256, 255]; mixed-sign weights at 8 bits lose their lowest bit (grid of 2); ``a_out = sum <<
  weight_exp``.
- ``lava/proc/conv/models.py::PyConvModelFixed``: the sum is wrapped to 24 bits; ``weight_exp``
  and ``num_weight_bits`` are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LoihiFormat:
    """The constants of Loihi's fixed-point LIF, Dense and Conv."""

    weight_bits: int = 8  # weight mantissa, sign included for mixed-sign layers
    weight_exp_min: int = -8  # Dense weight_exp range (signed, 4 bits)
    weight_exp_max: int = 7
    state_bits: int = 24  # u, v
    decay_bits: int = 12  # du, dv are fractions of 2**12
    activation_shift: int = 6  # a_in << 6 before it enters u
    threshold_shift: int = 6  # spike when v > vth << 6
    vth_bits: int = 17  # unsigned threshold mantissa
    bias_mant_bits: int = 13  # signed
    bias_exp_bits: int = 3  # unsigned exponent 0..7
    message_bits: int = 24  # graded payload width used for non-binary messages

    @property
    def decay_unity(self) -> int:
        """4096: du = 4095 clears the current each step (u = a_in << 6)."""
        return 1 << self.decay_bits

    @property
    def du_clear(self) -> int:
        return self.decay_unity - 1

    @property
    def state_max(self) -> int:
        return (1 << (self.state_bits - 1)) - 1

    @property
    def vth_max(self) -> int:
        return (1 << self.vth_bits) - 1

    @property
    def bias_mant_max(self) -> int:
        return (1 << (self.bias_mant_bits - 1)) - 1

    @property
    def bias_exp_max(self) -> int:
        return (1 << self.bias_exp_bits) - 1

    @property
    def bias_max(self) -> int:
        """Largest bias magnitude in membrane units: ``bias_mant_max << bias_exp_max``."""
        return self.bias_mant_max << self.bias_exp_max

    @property
    def v_unit(self) -> int:
        """Factor between an input (a_in) unit and a membrane unit: 2**6."""
        return 1 << self.activation_shift

    def weight_max(self, mixed_sign: bool) -> int:
        """Largest weight mantissa magnitude: 255 single-sign, 254 (even grid) mixed-sign."""
        return (1 << self.weight_bits) - (2 if mixed_sign else 1)

    def weight_step(self, mixed_sign: bool) -> int:
        """Grid of representable weights at 8 bits: 2 for mixed-sign layers (LSB dropped)."""
        return 2 if mixed_sign else 1


LOIHI = LoihiFormat()
