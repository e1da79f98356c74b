"""Number formats of the fixed-point backend.

Loihi's formats are :data:`snn2hw.hw.loihi.LOIHI` (shared with the Loihi quantisation pass and
the Lava backend). The few constants of Lava's bit-accurate arithmetic it does not name are here,
with their source (lava-nc 0.10.0):

- ``lava/proc/lif/models.py::AbstractPyLifModelFixed.__init__``: ``ds_offset = 1`` (u decays by
  ``(du + 1) / 4096``, so ``du = 4095`` clears u and ``du = 0`` still leaks 1/4096) and
  ``dm_offset = 0`` (v decays by ``dv / 4096``).
- ``lava/proc/conv/models.py::PyConvModelFixed.clamp_precision``: ``signed_clamp(x, bits=24)``,
  a two's-complement wrap of the Conv accumulation.

The generic format is :class:`snn2hw.hw.generic.GenericFormat`.
"""

from __future__ import annotations

from snn2hw.hw.generic import GenericFormat
from snn2hw.hw.loihi import LOIHI, LoihiFormat

CURRENT_DECAY_OFFSET = 1  # ds_offset
VOLTAGE_DECAY_OFFSET = 0  # dm_offset
CONV_ACCUMULATOR_BITS = 24  # PyConvModelFixed: signed_clamp(..., bits=24)

__all__ = ["LOIHI", "LoihiFormat", "GenericFormat", "CURRENT_DECAY_OFFSET",
           "VOLTAGE_DECAY_OFFSET", "CONV_ACCUMULATOR_BITS"]
