"""The energy estimator behind the common backend interface (``snn2hw run --backend energy``
runs the reference backend and reports the energy of what it computed)."""

from __future__ import annotations

import nir
import numpy as np

from snn2hw.backend import Issue, NotCompiledError, RunConfig, RunResult
from snn2hw.backends.reference import ReferenceBackend
from snn2hw.errors import ConstraintError
from snn2hw.hw.energy_models import DEFAULT_MODEL, energy_model
from snn2hw.ir.capabilities import unsupported

from .estimate import EnergyReport
from .estimator import measured, options_for


class EnergyBackend:
    """Measures firing rates on the inputs it runs and reports SOPs and energy per sample."""

    name = "energy"

    def __init__(self) -> None:
        self.graph: nir.NIRGraph | None = None
        self.config = RunConfig()
        self._report: EnergyReport | None = None

    def check(self, graph: nir.NIRGraph, config: RunConfig) -> list[Issue]:
        issues = unsupported(graph, self.name)
        return issues or ReferenceBackend().check(graph, config)

    def compile(self, graph: nir.NIRGraph, config: RunConfig) -> None:
        issues = self.check(graph, config)
        if issues:
            raise ConstraintError([str(i) for i in issues])
        self.graph, self.config = graph, config

    def run(self, inputs: np.ndarray) -> RunResult:
        if self.graph is None:
            raise NotCompiledError(self.name, "run")
        extra = self.config.extra
        opts = options_for(self.graph, inputs.shape[0], **{
            k: extra[k] for k in ("first_layer", "nonbinary", "count") if k in extra})
        hw = energy_model(extra.get("hw", DEFAULT_MODEL))
        self._report, output = measured(self.graph, opts, hw, inputs, dt=self.config.dt)
        return RunResult(output=output, stats={"energy": self._report})

    def report(self) -> EnergyReport:
        if self._report is None:
            raise NotCompiledError(self.name, "report")
        return self._report
