"""The reference backend behind the common interface (see snn2hw.backend)."""

from __future__ import annotations

from dataclasses import dataclass

import nir
import numpy as np
import torch

from snn2hw.backend import Issue, RunConfig, RunResult
from snn2hw.errors import ConstraintError, UnsupportedError

from .neurons import STATEFUL
from .ops import STATELESS
from .simulator import Simulator
from .topology import schedule


@dataclass
class ReferenceReport:
    nodes: int
    has_cycles: bool
    dtype: str
    device: str


class ReferenceBackend:
    """Runs any supported NIR graph in PyTorch (float32 by default, float64 on request)."""

    name = "reference"

    def __init__(self) -> None:
        self.graph: nir.NIRGraph | None = None
        self.config = RunConfig()
        self.simulator: Simulator | None = None

    def check(self, graph: nir.NIRGraph, config: RunConfig) -> list[Issue]:
        issues = [
            Issue(name, f"NIR type {type(node).__name__} is not supported")
            for name, node in graph.nodes.items()
            if not isinstance(node, STATEFUL) and type(node) not in STATELESS
        ]
        if not issues:
            try:
                schedule(graph)
            except UnsupportedError as exc:
                issues.append(Issue("graph", str(exc)))
        return issues

    def compile(self, graph: nir.NIRGraph, config: RunConfig) -> None:
        issues = self.check(graph, config)
        if issues:
            raise ConstraintError([str(i) for i in issues])
        self.graph, self.config = graph, config
        self.simulator = Simulator(graph, config.dt, config.device,
                                   getattr(torch, config.dtype))

    def run(self, inputs: np.ndarray) -> RunResult:
        assert self.simulator is not None, "compile() first"
        return self.simulator.run(inputs, record=self.config.record)

    def report(self) -> ReferenceReport:
        assert self.graph is not None, "compile() first"
        return ReferenceReport(
            nodes=len(self.graph.nodes), has_cycles=schedule(self.graph).has_cycles,
            dtype=self.config.dtype, device=self.config.device,
        )
