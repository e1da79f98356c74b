"""Per-core and per-chip resource limits of Loihi 2 and Loihi 1, with the source of each figure.

Sources (searched and read for this module; "assumption" marks a figure that is not public):

- [brief] Intel Labs, "Taking Neuromorphic Computing to the Next Level with Loihi 2", technology
  brief, 2021 (its table "Loihi 1 vs Loihi 2"): 128 neuro-cores per chip, up to 1 million
  neurons and 120 million synapses per chip, "192 KB, flexible allocation" of memory per
  neuro-core (Loihi 1: "208 KB, fixed allocation"), graded spikes with integer payloads.
- [orchard] G. Orchard et al., "Efficient Neuromorphic Signal Processing with Loihi 2", IEEE
  SiPS 2021 (arXiv 2111.03746), Table I: the same chip figures as the brief.
- [wikichip] WikiChip, "Loihi 2 - Intel" (en.wikichip.org/wiki/intel/loihi_2): 1,048,576
  neurons per chip, 8,192 per neuro-core.
- [davies] M. Davies et al., "Loihi: A Neuromorphic Manycore Processor with On-Chip Learning",
  IEEE Micro 38(1), 2018, Table 1: per core 1,024 compartments, 4,096 fan-in axons, 4,096
  fan-out axons, 128 KB of synaptic memory; 128 cores per chip.
- [nengo-loihi] NengoLoihi 1.x ``nengo_loihi/block.py``: ``MAX_COMPARTMENTS = 1024``,
  ``MAX_IN_AXONS = 4096``, ``MAX_OUT_AXONS = 4096``, ``MAX_SYNAPSE_BITS = 1048576`` (the
  Loihi 1 limits its builder enforces per block, one block per core).
- [lava] lava-nc 0.10.0 ``lava/proc/lif/process.py`` and ``models.py`` (see hw/loihi.py): a
  bit-accurate LIF keeps u and v (24 bits each), a 13-bit bias mantissa and a 3-bit bias
  exponent per neuron: 64 bits of state.

Not public for Loihi 2 (so not checked, or assumed, as marked below): the split of the 192 KB
between neuron state, synapses and routing tables, and any fan-in / fan-out axon limit per core.
"""

from __future__ import annotations

from dataclasses import dataclass

from snn2hw.errors import BadInputError
from snn2hw.hw.loihi import LOIHI

KIB_BITS = 1024 * 8


@dataclass(frozen=True)
class ChipLimits:
    """What one neuro-core and one chip can hold. ``None``: no public figure, not checked.

    A core's ``memory_bits`` is shared by the synaptic weights of its neurons and, at
    ``state_bits_per_neuron`` each, their state (0 when the state has memory of its own).
    """

    name: str
    cores_per_chip: int
    neurons_per_core: int
    memory_bits: int  # per core: synaptic weights (+ neuron state, see above)
    state_bits_per_neuron: int
    in_axons_per_core: int | None  # distinct presynaptic sources one core can receive
    out_axons_per_core: int | None  # (neuron, destination core) pairs one core can send
    weight_bits: int  # weight width of a float graph mapped to the chip's format
    sources: tuple[str, ...]  # one line per figure: where it comes from
    assumptions: tuple[str, ...] = ()  # figures that are not public, as used here

    @property
    def neurons_per_chip(self) -> int:
        return self.cores_per_chip * self.neurons_per_core


LOIHI2 = ChipLimits(
    name="loihi2",
    cores_per_chip=128,
    neurons_per_core=8192,
    memory_bits=192 * KIB_BITS,
    state_bits_per_neuron=64,
    in_axons_per_core=None,
    out_axons_per_core=None,
    weight_bits=LOIHI.weight_bits,
    sources=(
        "128 neuro-cores per chip [brief, orchard]",
        "8,192 neurons per core: 1,048,576 per chip over 128 cores [brief, wikichip]",
        "192 KB memory per core, flexible allocation [brief, orchard]",
        "64 state bits per LIF neuron: u, v 24 bits, bias 13+3 bits [lava]",
        "8-bit weights: Lava's Dense/Conv fixed-point models, snn2hw.hw.loihi [lava]",
    ),
    assumptions=(
        "the 192 KB (read as KiB) hold synapses and neuron state only (routing tables not "
        "counted)",
        "a LIF neuron's state takes the 64 bits of Lava's bit-accurate model (the chip's "
        "allocation per neuron model is not public)",
        "no fan-in / fan-out axon limit per core is public: none is checked",
    ),
)

LOIHI1 = ChipLimits(
    name="loihi1",
    cores_per_chip=128,
    neurons_per_core=1024,
    memory_bits=128 * KIB_BITS,
    state_bits_per_neuron=0,
    in_axons_per_core=4096,
    out_axons_per_core=4096,
    weight_bits=LOIHI.weight_bits,
    sources=(
        "128 cores per chip [davies]",
        "1,024 compartments, 4,096 fan-in and 4,096 fan-out axons per core [davies, "
        "nengo-loihi]",
        "128 KB (1,048,576 bits) synaptic memory per core; neuron state is stored apart "
        "[davies, nengo-loihi]",
        "8-bit weights: the widest format NengoLoihi's WEIGHT_BITS_MAP offers [nengo-loihi]",
    ),
    assumptions=(
        "a neuron's fan-out axons: one per destination core holding one of its targets",
    ),
)

CHIPS: dict[str, ChipLimits] = {chip.name: chip for chip in (LOIHI2, LOIHI1)}


def chip_limits(name: str) -> ChipLimits:
    """The limits of target ``name`` (``loihi2`` or ``loihi1``)."""
    if name not in CHIPS:
        raise BadInputError(f"unknown target '{name}' (known: {', '.join(CHIPS)})")
    return CHIPS[name]
