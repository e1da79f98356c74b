"""The reference backend behind the common interface (see snn2hw.backend)."""

from __future__ import annotations

from dataclasses import dataclass

import nir
import numpy as np
import torch

from snn2hw.backend import Issue, NotCompiledError, RunConfig, RunResult
from snn2hw.errors import ConstraintError, UnsupportedError
from snn2hw.ir.capabilities import unsupported
from snn2hw.ir.graph import schedule

from .simulator import Simulator


@dataclass
class ReferenceReport:
    nodes: int
    has_cycles: bool
    dtype: str
    device: str
    compiled: bool
    half: str | None


class ReferenceBackend:
    """Runs any supported NIR graph in PyTorch (float32 by default, float64 on request;
    through torch.compile with ``extra={"compile": True}``; weighted layers in half precision
    with ``extra={"half": "float16"}`` or ``"bfloat16"``)."""

    name = "reference"

    def __init__(self) -> None:
        self.graph: nir.NIRGraph | None = None
        self.config = RunConfig()
        self.simulator: Simulator | None = None

    def check(self, graph: nir.NIRGraph, config: RunConfig) -> list[Issue]:
        issues = unsupported(graph, self.name)
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
                                   getattr(torch, config.dtype),
                                   compiled=bool(config.extra.get("compile")),
                                   half=_half(config.extra.get("half")))

    def run(self, inputs: np.ndarray) -> RunResult:
        if self.simulator is None:
            raise NotCompiledError(self.name, "run")
        compiled = self.simulator.compiled
        if self.config.progress and compiled is not None and not compiled.used \
                and not self.config.record:
            from rich.console import Console

            with Console(stderr=True).status("torch.compile: compiling the graph (once; about "
                                             "20 s for SEW-ResNet-18 on 2 cores)"):
                return self.simulator.run(inputs)
        return self.simulator.run(inputs, record=self.config.record)

    def report(self) -> ReferenceReport:
        if self.graph is None:
            raise NotCompiledError(self.name, "report")
        return ReferenceReport(
            nodes=len(self.graph.nodes), has_cycles=schedule(self.graph).has_cycles,
            dtype=self.config.dtype, device=self.config.device,
            compiled=self.simulator is not None and self.simulator.compiled is not None,
            half=self.config.extra.get("half"),
        )


def _half(name: str | None) -> torch.dtype | None:
    if name is None:
        return None
    if name not in ("float16", "bfloat16"):
        raise UnsupportedError(f"half precision is float16 or bfloat16, not {name!r}")
    return getattr(torch, name)
