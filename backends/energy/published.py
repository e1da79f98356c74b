"""Published SOPs/energy rows that ``snn2hw energy --sops`` reproduces (paper.md §2).

The SEW-ResNet rows of Spikformer's ImageNet table (reprinted by QKFormer) use
E = 0.9 pJ x SOPs + 4.6 pJ x MACs of the 7x7 stem counted once; Spikingformer's energy log
prints its MAC and AC counts and the energy directly. Figures are kept as printed (strings), so
the rounding a printed figure hides is known.
"""

from __future__ import annotations

from dataclasses import dataclass

from snn2hw.hw.energy_models import EnergyModel

from .estimate import PJ_PER_MJ


@dataclass(frozen=True)
class PublishedRow:
    model: str
    sops: str  # G, as printed
    energy: str  # mJ, as printed
    params_m: float | None
    macs_g: float | None  # None: the stem MACs of our architecture (counted once)
    source: str

    @property
    def sops_g(self) -> float:
        return float(self.sops)

    @property
    def energy_mj(self) -> float:
        return float(self.energy)


PUBLISHED = {
    row.model: row
    for row in (
        PublishedRow("sew34", "3.88", "4.04", 21.79, None,
                     "Spikformer (ICLR 2023) ImageNet table, SEW-ResNet-34 (mJ derived, "
                     "paper.md §2b)"),
        PublishedRow("sew50", "4.83", "4.89", 25.56, None, "Spikformer / QKFormer ImageNet tables"),
        PublishedRow("sew101", "9.30", "8.91", 44.55, None,
                     "Spikformer / QKFormer ImageNet tables"),
        PublishedRow("sew152", "13.72", "12.89", 60.19, None,
                     "Spikformer / QKFormer ImageNet tables"),
        # The log prints 0.3473 G MACs and 6.5175 G ACs, from these unrounded counts.
        PublishedRow("spikingformer", "6.51754094076244", "7.4635", None, 0.347329512,
                     "Spikingformer energy_consumption_calculation log (syops)"),
    )
}


def energy_from_counts(sops: float, macs: float, hw: EnergyModel) -> float:
    """Energy in mJ of ``sops`` accumulates and ``macs`` multiply-accumulates."""
    return (hw.e_ac_pj * sops + hw.e_mac_pj * macs) / PJ_PER_MJ


def decimals(printed: str) -> int:
    """Digits after the point of a printed figure: "9.30" -> 2."""
    return len(printed.partition(".")[2])


def half_unit(printed: str) -> float:
    """Half a unit in the last printed digit: the rounding a printed figure can hide."""
    return 0.5 * 10.0 ** -decimals(printed)


def consistent(row: PublishedRow, stem_macs: float, hw: EnergyModel) -> bool:
    """Whether the printed energy can come from the printed SOPs with our formula: the energies
    of the SOPs within half a printed unit overlap the printed energy's rounding interval."""
    dsops = half_unit(row.sops) * 1e9
    low = energy_from_counts(row.sops_g * 1e9 - dsops, stem_macs, hw)
    high = energy_from_counts(row.sops_g * 1e9 + dsops, stem_macs, hw)
    margin = half_unit(row.energy)
    return low <= row.energy_mj + margin and row.energy_mj - margin <= high
