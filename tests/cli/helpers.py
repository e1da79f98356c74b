"""Shared by the CLI tests: a tiny graph, a CliRunner call, and the check that a failure is
clean (exit 2, one line naming the culprit, no traceback, nothing new in the folder)."""

from __future__ import annotations

from pathlib import Path

import nir
import numpy as np
from click.testing import CliRunner, Result

from snn2hw.cli import main
from snn2hw.ir.io import write_graph
from snn2hw.ir.metadata import DT, T


def tiny_graph(n: int = 2) -> nir.NIRGraph:
    """input -> Affine -> IF -> output, n neurons, dt 1, T 3."""
    nodes = {
        "input": nir.Input(np.array([n])),
        "fc": nir.Affine(weight=np.eye(n), bias=np.linspace(0.5, -0.5, n)),
        "n": nir.IF(r=np.ones(n), v_threshold=np.ones(n), v_reset=np.zeros(n)),
        "output": nir.Output(np.array([n])),
    }
    edges = [("input", "fc"), ("fc", "n"), ("n", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={DT: 1.0, T: 3})


def write_tiny(folder: Path) -> tuple[Path, Path, Path]:
    """g.nir, x.npy (static [4, 2]) and y.npy (4 labels) in ``folder``."""
    graph, x, y = folder / "g.nir", folder / "x.npy", folder / "y.npy"
    write_graph(tiny_graph(), graph)
    np.save(x, np.random.default_rng(0).uniform(0, 1, (4, 2)))
    np.save(y, np.array([0, 1, 0, 1]))
    return graph, x, y


def cli(*args) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def assert_clean_failure(result: Result, *needles: str, folder: Path | None = None,
                         before: set[str] | None = None) -> None:
    """Exit 2, exactly one line on the output mentioning every needle, no traceback, and (with
    ``folder``) the folder holds what it held ``before``."""
    text = result.output
    assert result.exit_code == 2, text
    assert "Traceback" not in text and result.exception is None or isinstance(
        result.exception, SystemExit), text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    for needle in needles:
        assert needle in lines[0], (needle, text)
    if folder is not None:
        assert listing(folder) == before, (listing(folder) ^ before, text)
