"""Energy per operation of the hardware models ``snn2hw energy --hw`` knows, with sources.

45 nm CMOS figures are Horowitz, "Computing's energy problem (and what we can do about it)",
ISSCC 2014, as used by the SNN literature (E_MAC = 4.6 pJ, E_AC = 0.9 pJ for 32-bit float) and
restated with the fp16/int8 variants in SpikingJelly 2.0's ``SimpleEnergyCostConfig``.
Loihi: Davies et al., "Loihi: A Neuromorphic Manycore Processor with On-Chip Learning",
IEEE Micro 38(1), 2018, Table 1 (as widely quoted; re-check against the paper before citing).
"""

from __future__ import annotations

from dataclasses import dataclass

from snn2hw.errors import BadInputError


@dataclass(frozen=True)
class EnergyModel:
    """Energy in picojoules of one multiply-accumulate, one accumulate (synaptic op) and one
    neuron update (0 where the model does not charge neuron updates)."""

    name: str
    e_mac_pj: float
    e_ac_pj: float
    e_neuron_pj: float
    source: str


ENERGY_MODELS: dict[str, EnergyModel] = {
    m.name: m
    for m in (
        EnergyModel("45nm-fp32", 4.6, 0.9, 0.0,
                    "Horowitz ISSCC 2014, 45 nm: fp32 mult 3.7 + add 0.9 pJ (the paper's model)"),
        EnergyModel("45nm-fp16", 1.5, 0.4, 0.0,
                    "Horowitz ISSCC 2014, 45 nm: fp16 mult 1.1 + add 0.4 pJ"),
        EnergyModel("45nm-int8", 0.23, 0.03, 0.0,
                    "Horowitz ISSCC 2014, 45 nm: int8 mult 0.2 + add 0.03 pJ"),
        EnergyModel("loihi", 0.0, 23.6, 52.0,
                    "Davies et al., IEEE Micro 2018, Table 1: 23.6 pJ per synaptic spike op, "
                    "52 pJ per neuron update; real-valued (MAC) layers run off-chip and are not "
                    "charged"),
    )
}

DEFAULT_MODEL = "45nm-fp32"


def energy_model(name: str) -> EnergyModel:
    """The model called ``name``."""
    try:
        return ENERGY_MODELS[name]
    except KeyError:
        raise BadInputError(
            f"unknown hardware model '{name}' (known: {', '.join(ENERGY_MODELS)})"
        ) from None
