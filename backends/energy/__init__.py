"""SynOps and energy estimation as a backend: counts from the NIR graph, firing rates measured
with the reference backend, energy per operation from :mod:`snn2hw.hw.energy_models`."""

from .backend import EnergyBackend
from .estimate import EnergyOptions, EnergyReport
from .estimator import estimate, options_for, read_rate_profile
from .published import PUBLISHED, energy_from_counts

__all__ = ["PUBLISHED", "EnergyBackend", "EnergyOptions", "EnergyReport", "energy_from_counts",
           "estimate", "options_for", "read_rate_profile"]
