"""Running a NIR graph on a backend: input preparation, dispatch and readout."""

from __future__ import annotations

import os
from pathlib import Path

import nir
import numpy as np

from snn2hw.atomic import atomic_path
from snn2hw.backend import RunConfig, RunResult
from snn2hw.errors import BadInputError
from snn2hw.ir import metadata
from snn2hw.ir.graph_utils import graph_input_shape
from snn2hw.registry import create_backend


def prepare_inputs(graph: nir.NIRGraph, x: np.ndarray, steps: int | None = None,
                   source: str | os.PathLike | None = None) -> np.ndarray:
    """Time-major ``[T, B, ...]`` inputs: a static batch ``[B, ...]`` is repeated over T
    (``steps``, else the graph's ``snn2hw.T``); a ``[T, B, ...]`` array passes through."""
    sample = graph_input_shape(graph)
    if x.ndim == len(sample) + 2 and tuple(x.shape[2:]) == sample:
        return x
    if x.ndim == len(sample) + 1 and tuple(x.shape[1:]) == sample:
        steps = steps or metadata.graph_value(graph, metadata.T)
        if not steps:
            raise BadInputError("a static input [B, ...] needs --T (the graph does not store T)")
        return np.broadcast_to(x, (int(steps), *x.shape)).copy()
    where = f"{source}: " if source else ""
    raise BadInputError(
        f"{where}input shape {x.shape} fits neither [T, B, {_dims(sample)}] nor "
        f"[B, {_dims(sample)}] (the graph's input is {_dims(sample)})"
    )


def _dims(shape: tuple[int, ...]) -> str:
    return ", ".join(map(str, shape))


def run_graph(graph: nir.NIRGraph, backend: str, inputs: np.ndarray,
              config: RunConfig) -> RunResult:
    """Compile ``graph`` on ``backend`` and run time-major ``inputs``."""
    engine = create_backend(backend)
    engine.compile(graph, config)
    result = engine.run(inputs)
    result.stats.setdefault("report", engine.report())
    return result


def readout(output: np.ndarray, mode: str) -> np.ndarray:
    """Class scores ``[B, K]`` from ``[T, B, K]``: the last step (LTS) or the time mean."""
    if mode not in metadata.READOUT_MODES:
        raise BadInputError(f"unknown readout '{mode}' (use last or mean)")
    return output[-1] if mode == "last" else output.mean(axis=0)


def load_array(path: str | os.PathLike) -> np.ndarray:
    """A ``.npy`` array (no pickles), with errors naming the file."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"{path}: no such file")
    try:
        return np.load(path, allow_pickle=False)
    except Exception as exc:
        raise BadInputError(f"{path}: not a readable .npy array ({exc})") from exc


def save_array(array: np.ndarray, path: str | os.PathLike) -> None:
    """Write ``.npy`` atomically."""
    with atomic_path(path, ".npy") as tmp:
        np.save(tmp, array)


def save_records(records: dict[str, np.ndarray], path: str | os.PathLike) -> None:
    """Write per-node records as one ``.npz`` (keys: node names) atomically."""
    if not records:
        raise BadInputError("this backend recorded nothing (no per-node outputs)")
    with atomic_path(path, ".npz") as tmp:
        np.savez_compressed(tmp, **records)
