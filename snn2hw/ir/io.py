"""Reading and writing ``.nir`` files with one clear error per problem and atomic writes."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import h5py
import nir

from snn2hw.atomic import write_bytes
from snn2hw.errors import BadInputError, Snn2hwWarning
from snn2hw.ir.validate import validate_graph


def read_graph(path: str | os.PathLike) -> nir.NIRGraph:
    """Read a NIR file. Files that fail NIR's type check load with a warning; anything
    unreadable, and any graph :func:`~snn2hw.ir.validate.graph_problems` finds fault with,
    raises one :class:`BadInputError` naming the file and every problem."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"{path}: no such file")
    if not h5py.is_hdf5(path):
        raise BadInputError(f"{path}: not a NIR file (NIR files are HDF5)")
    try:
        graph = nir.read(path)
    except (ValueError, AssertionError, NotImplementedError) as exc:
        graph = _read_unchecked(path, exc)
    except Exception as exc:  # h5py/nir raise many types on truncated or foreign files
        raise BadInputError(f"{path}: cannot read NIR graph ({_first_line(exc)})") from exc
    if not isinstance(graph, nir.NIRGraph):
        raise BadInputError(f"{path}: holds a single {type(graph).__name__} node, not a graph")
    validate_graph(graph, str(path))
    return graph


def _read_unchecked(path: Path, cause: Exception) -> nir.NIRGraph:
    try:
        graph = nir.read(path, type_check=False)
    except Exception as exc:
        raise BadInputError(f"{path}: cannot read NIR graph ({_first_line(exc)})") from exc
    warnings.warn(
        f"{path}: NIR type check failed ({_first_line(cause)}); loaded without it",
        Snn2hwWarning, stacklevel=3,
    )
    return graph


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def write_graph(graph: nir.NIRGraph, path: str | os.PathLike) -> None:
    """Write ``graph`` atomically: on any failure no file (and no partial file) is left."""
    # HDF5 is built in memory and written with plain Python I/O: HDF5 writing straight to a
    # full disk crashes the interpreter (SIGSEGV when h5py frees the failed file).
    buffer = io.BytesIO()
    try:
        # gzip level 1: float weights barely compress, so higher levels only cost time.
        nir.write(buffer, graph, compression_opts=1)
    except Exception as exc:
        raise BadInputError(f"{path}: cannot write NIR graph ({_first_line(exc)})") from exc
    write_bytes(path, buffer.getbuffer())
