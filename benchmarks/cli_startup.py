"""Start-up time of the CLI: ``snn2hw --help``, ``CMD --help``, an argument error, ``inspect``
and ``backends`` beside a bare ``python -c "import click, rich, nir"`` (issue 13: the CLI's
floor, since every command needs those three) and ``import torch`` (what the CLI used to load
for every command). Runs alternate between the commands; each figure is a median.

``python -m benchmarks cli_startup [--repeats N]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nir
import numpy as np

from benchmarks.results import record

BARE = [sys.executable, "-c", "import click, rich, nir"]
TORCH = [sys.executable, "-c", "import torch"]
TARGETS = {"--help": 0.5, "CMD --help": 0.5, "inspect": 1.0, "backends": 1.0}


def _snn2hw() -> list[str]:
    script = Path(sys.executable).with_name("snn2hw")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from snn2hw.cli import main; main()"]


def _graph(folder: Path) -> tuple[Path, Path]:
    from snn2hw.ir.io import write_graph

    n = 16
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(np.array([n])),
               "fc": nir.Affine(weight=np.eye(n), bias=np.zeros(n)),
               "lif": nir.IF(r=np.ones(n), v_threshold=np.ones(n), v_reset=np.zeros(n)),
               "output": nir.Output(np.array([n]))},
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")])
    path, x = folder / "small.nir", folder / "x.npy"
    write_graph(graph, path)
    np.save(x, np.zeros((2, n)))
    return path, x


def _cases(folder: Path) -> dict[str, tuple[str, list[str]]]:
    """label -> (target group, argv)."""
    cli = _snn2hw()
    graph, x = _graph(folder)
    cases = {"python -c 'import click, rich, nir'": ("bare", BARE),
             "python -c 'import torch'": ("torch", TORCH),
             "snn2hw --help": ("--help", [*cli, "--help"])}
    for name in ("run", "export", "energy", "train", "quantize"):
        cases[f"snn2hw {name} --help"] = ("CMD --help", [*cli, name, "--help"])
    cases["snn2hw run ... --samples 0 (argument error)"] = (
        "argument error", [*cli, "run", str(graph), "--input", str(x), "--samples", "0"])
    cases["snn2hw inspect small.nir"] = ("inspect", [*cli, "inspect", str(graph)])
    cases["snn2hw backends"] = ("backends", [*cli, "backends"])
    return cases


def _wall(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(sys.argv[1:])
    with tempfile.TemporaryDirectory() as tmp:
        cases = _cases(Path(tmp))
        times: dict[str, list[float]] = {label: [] for label in cases}
        for _, argv in cases.values():  # warm the file cache once
            _wall(argv)
        for _ in range(args.repeats):  # alternate, so load changes hit every command alike
            for label, (_, argv) in cases.items():
                times[label].append(_wall(argv))
    medians = {label: statistics.median(t) for label, t in times.items()}
    bare = medians["python -c 'import click, rich, nir'"]
    rows = []
    for label, (group, _) in cases.items():
        target = TARGETS.get(group)
        rows.append({"command": label, "median wall (s)": round(medians[label], 3),
                     "ratio to bare import": round(medians[label] / bare, 2),
                     "target (s)": target if target else "",
                     "within target": "" if target is None else medians[label] < target})
    print(record("CLI start-up (issue 13: instant CLI)", rows, replace=True,
                 notes=f"median of {args.repeats} alternating runs per command, wall time of "
                       "a fresh process; the 2-core machine is shared, so ratios to the bare "
                       "import of the same run are the figure to compare"))


if __name__ == "__main__":
    main()
