"""Energy per operation of the hardware models ``snn2hw energy --hw`` knows, with sources.

45 nm CMOS figures are Horowitz, "Computing's energy problem (and what we can do about it)",
ISSCC 2014, as used by the SNN literature (E_MAC = 4.6 pJ, E_AC = 0.9 pJ for 32-bit float) and
restated with the fp16/int8 variants in SpikingJelly 2.0's ``SimpleEnergyCostConfig`` docstring.
Loihi: Davies et al., "Loihi: A Neuromorphic Manycore Processor with On-Chip Learning",
IEEE Micro 38(1), 2018 (Table 1 / Fig. 11 as quoted by several independent secondary sources;
the primary table was not read here, hence ``confirmed=False``).
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
    confirmed: bool = True  # False: figures taken from secondary sources only


ENERGY_MODELS: dict[str, EnergyModel] = {
    m.name: m
    for m in (
        EnergyModel("45nm-fp32", 4.6, 0.9, 0.0,
                    "Horowitz ISSCC 2014, 45 nm fp32 (via SpikingJelly 2.0 "
                    "SimpleEnergyCostConfig): "
                    "E_MAC 4.6, E_AC 0.9 pJ; the SNN literature's (and the paper's) model"),
        EnergyModel("45nm-fp16", 1.5, 0.4, 0.0,
                    "Horowitz ISSCC 2014, 45 nm: fp16 mult 1.1 + add 0.4 pJ"),
        EnergyModel("45nm-int8", 0.23, 0.03, 0.0,
                    "Horowitz ISSCC 2014, 45 nm: int8 mult 0.2 + add 0.03 pJ"),
        EnergyModel("loihi", 0.0, 23.6, 52.0,
                    "Davies et al., IEEE Micro 2018: 23.6 pJ per synaptic spike op (minimum), "
                    "neuron update 52 pJ inactive / 81 pJ active (the lower figure is charged: "
                    "a lower bound); real-valued (MAC) layers run off-chip and are not charged",
                    confirmed=False),
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
