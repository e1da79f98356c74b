"""The interface every backend implements, and the result types they share.

A backend consumes only NIR: ``check`` lists every problem without raising, ``compile`` raises one
:class:`~snn2hw.errors.ConstraintError` naming them all, ``run`` executes time-major inputs
``[T, B, ...]`` and returns a :class:`RunResult`, ``report`` returns a dataclass that
:mod:`snn2hw.report` renders as a table or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import nir
import numpy as np

from snn2hw.errors import Snn2hwError


class NotCompiledError(Snn2hwError):
    """``run`` or ``report`` called on a backend before ``compile`` (the one error for it)."""

    def __init__(self, backend: str, method: str = "run") -> None:
        super().__init__(f"{backend} backend: compile() the graph before {method}()")


@dataclass(frozen=True)
class Issue:
    """One problem a backend found in a graph: the node it concerns and why."""

    node: str
    message: str

    def __str__(self) -> str:
        return f"{self.node}: {self.message}"


@dataclass
class RunConfig:
    """Options shared by backends; backends ignore what does not apply to them."""

    dt: float | None = None  # None: take the graph's snn2hw.dt, else the import default
    device: str = "cpu"
    dtype: str = "float32"
    record: bool = False  # keep per-node outputs (spikes) in RunResult.records
    precision: str = "float"  # Lava: "float" | "fixed"
    progress: bool = False  # a per-sample progress bar on stderr (slow backends such as Lava)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    """Outputs of a run, time-major ``[T, B, ...]``; ``records`` keyed by NIR node name."""

    output: np.ndarray
    records: dict[str, np.ndarray] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)


class Report(Protocol):
    """Any dataclass instance: what ``report()`` returns and :mod:`snn2hw.report` renders."""

    __dataclass_fields__: ClassVar[dict[str, Any]]


@runtime_checkable
class Backend(Protocol):
    """What the registry hands out: one object per compiled graph.

    ``check`` returns every problem and never raises for model problems; ``run`` and ``report``
    before ``compile`` raise :class:`NotCompiledError`."""

    name: str

    def check(self, graph: nir.NIRGraph, config: RunConfig) -> list[Issue]: ...

    def compile(self, graph: nir.NIRGraph, config: RunConfig) -> None: ...

    def run(self, inputs: np.ndarray) -> RunResult: ...

    def report(self) -> Report: ...
