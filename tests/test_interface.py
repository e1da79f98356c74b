"""The backend interface is real: the registry hands out Backend objects, run/report before
compile raise one error, report() is a dataclass, and check() never raises for model problems."""

from __future__ import annotations

import dataclasses
import importlib.util

import nir
import numpy as np
import pytest

from snn2hw.backend import Backend, Issue, NotCompiledError, RunConfig
from snn2hw.ir.metadata import DT
from snn2hw.registry import BACKENDS, create_backend


def _available(name: str) -> bool:
    return name != "lava" or importlib.util.find_spec("lava") is not None


NAMES = [pytest.param(n, marks=[pytest.mark.lava] if n == "lava" else []) for n in BACKENDS]


def _if(n: int, v_reset: float = 0.0) -> nir.IF:
    return nir.IF(r=np.full(n, 1e3), v_threshold=np.ones(n), v_reset=np.full(n, v_reset))


def chain(*nodes: tuple[str, nir.NIRNode], extra_edges=(), n_in: int = 2) -> nir.NIRGraph:
    names = ["input", *(n for n, _ in nodes), "output"]
    return nir.NIRGraph(nodes={"input": nir.Input(np.array([n_in])), **dict(nodes),
                               "output": nir.Output(np.array([2]))},
                        edges=list(zip(names[:-1], names[1:])) + list(extra_edges),
                        metadata={DT: 1e-3}, type_check=False)


def good() -> nir.NIRGraph:
    return chain(("fc", nir.Affine(np.eye(2), np.zeros(2))), ("n", _if(2)))


@pytest.mark.parametrize("name", NAMES)
def test_the_registry_hands_out_backend_objects(name):
    if not _available(name):
        pytest.skip(f"{name} is not installed")
    backend = create_backend(name)
    assert isinstance(backend, Backend) and backend.name == name


@pytest.mark.parametrize("name", NAMES)
def test_run_or_report_before_compile_raise_not_compiled(name):
    if not _available(name):
        pytest.skip(f"{name} is not installed")
    backend = create_backend(name)
    with pytest.raises(NotCompiledError, match=f"{name} backend: compile"):
        backend.run(np.zeros((2, 1, 2)))
    with pytest.raises(NotCompiledError):
        backend.report()


@pytest.mark.parametrize("name", NAMES)
def test_report_is_a_dataclass(name):
    if not _available(name):
        pytest.skip(f"{name} is not installed")
    backend = create_backend(name)
    backend.compile(good(), RunConfig())
    backend.run(np.ones((3, 1, 2)))
    report = backend.report()
    assert dataclasses.is_dataclass(report) and not isinstance(report, type)


BAD = {
    "unsupported node": (chain(("fc", nir.Affine(np.eye(2), np.zeros(2))),
                               ("sub", nir.NIRGraph(nodes={}, edges=[]))), RunConfig()),
    "cycle without state": (chain(("fc", nir.Affine(np.eye(2), np.zeros(2))),
                                  ("s", nir.Scale(np.ones(2))), ("n", _if(2)),
                                  extra_edges=[("s", "fc")]), RunConfig()),
    "edge to unknown node": (chain(("fc", nir.Affine(np.eye(2), np.zeros(2))), ("n", _if(2)),
                                   extra_edges=[("n", "ghost")]), RunConfig()),
    "shape mismatch": (chain(("fc", nir.Affine(np.ones((2, 3)), np.zeros(2))), ("n", _if(2))),
                       RunConfig()),
    "two outputs": (nir.NIRGraph(nodes={**good().nodes, "out2": nir.Output(np.array([2]))},
                                 edges=good().edges + [("n", "out2")], type_check=False),
                    RunConfig()),
    "non-zero reset": (chain(("fc", nir.Affine(np.eye(2), np.zeros(2))), ("n", _if(2, 0.5))),
                       RunConfig()),
    "huge fixed scale": (good(), RunConfig(extra={"mode": "loihi", "scale": 1e6})),
    "negative dt": (good(), RunConfig(dt=-1.0)),
    "unknown options": (good(), RunConfig(precision="double", extra={"mode": "nope"})),
}


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("name", NAMES)
def test_check_never_raises_for_model_problems(name, case):
    """Every case trips at least one backend; none may make check() raise."""
    if not _available(name):
        pytest.skip(f"{name} is not installed")
    graph, config = BAD[case]
    issues = create_backend(name).check(graph, config)
    assert isinstance(issues, list) and all(isinstance(i, Issue) for i in issues)


@pytest.mark.parametrize("case", list(BAD))
def test_every_bad_case_is_refused_by_some_backend(case):
    graph, config = BAD[case]
    assert any(create_backend(n).check(graph, config) for n in BACKENDS if _available(n))
