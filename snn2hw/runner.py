"""Running a NIR graph on a backend: input preparation, dispatch and readout."""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

import nir
import numpy as np

from snn2hw.atomic import atomic_path
from snn2hw.backend import RunConfig, RunResult
from snn2hw.errors import BadInputError
from snn2hw.ir import metadata
from snn2hw.ir.graph_utils import graph_input_shape
from snn2hw.ir.metadata import readout as readout  # re-exported: the one readout
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


def load_array(path: str | os.PathLike) -> np.ndarray:
    """A numeric ``.npy`` array (no pickles; bool, integer or float; at least 1-D; finite),
    with errors naming the file."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"{path}: no such file")
    try:
        array = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise BadInputError(f"{path}: not a readable .npy array ({_first_line(exc)})") from exc
    if not isinstance(array, np.ndarray):  # an .npz archive
        array.close()
        raise BadInputError(f"{path}: an .npz archive of several arrays; give one .npy array")
    if array.dtype.kind not in "biuf":
        raise BadInputError(f"{path}: {array.dtype} data; inputs must be numbers "
                            "(bool, integer or float)")
    if array.ndim == 0:
        raise BadInputError(f"{path}: a single number; inputs need a batch axis [B, ...]")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise BadInputError(f"{path}: contains NaN or infinity")
    if not array.dtype.isnative:  # big-endian data: torch and onnxruntime take native order
        array = array.astype(array.dtype.newbyteorder("="))
    return array


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def save_outputs(output_path: str | os.PathLike | None, output: np.ndarray,
                 record_path: str | os.PathLike | None = None,
                 records: dict[str, np.ndarray] | None = None) -> None:
    """Write the output (``.npy``) and the per-node records (``.npz``, keys: node names)
    atomically and together: both files or neither."""
    if record_path and not records:
        raise BadInputError(f"{record_path}: this backend recorded nothing (no per-node outputs)")
    with ExitStack() as stack:
        if output_path:
            np.save(stack.enter_context(atomic_path(output_path, ".npy")), output)
        if record_path and records:
            np.savez_compressed(stack.enter_context(atomic_path(record_path, ".npz")), **records)
