"""Reading and writing ``.nir`` files with one clear error per problem and atomic writes."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import h5py
import nir
import numpy as np

from snn2hw.atomic import atomic_open
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
    graph = regroup_convs(graph)
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
    # HDF5 writes through a Python file object (h5py's fileobj driver), never to the disk
    # itself: HDF5 writing straight to a full disk crashes the interpreter (SIGSEGV when h5py
    # frees the failed file), while a failed Python write is an OSError that atomic_path
    # reports. A real file, not an in-memory image: the image held a second copy of every
    # weight (150 MB for SEW-ResNet-50) beside the graph's; the bytes are the same.
    with atomic_open(path, "w+b") as handle:
        try:
            with h5py.File(handle, "w") as file:
                file.create_dataset("version", data=nir.version, dtype=h5py.string_dtype())
                _write_node(file.create_group("node"), ungroup_convs(graph))
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno:  # the disk's: atomic_path names it
                raise
            raise BadInputError(f"{path}: cannot write NIR graph ({_first_line(exc)})") from exc


COMPACT_MIN = 64
"""Uniform arrays of at least this many elements are stored as their fill value alone."""


def _write_node(group: h5py.Group, node: nir.NIRNode) -> None:
    """``node.to_dict()`` written one node at a time: a graph's ``to_dict`` deep-copies every
    array of the graph at once (and expands the broadcast views of uniform parameters)."""
    if not isinstance(node, nir.NIRGraph):
        _write_group(group, node.to_dict())
        return
    nodes = group.create_group("nodes")
    for name, child in node.nodes.items():
        _write_node(nodes.create_group(name), child)
    _write_group(group, {"edges": list(node.edges), "metadata": node.metadata,
                         "type": "NIRGraph"})


def _write_group(group: h5py.Group, node: dict) -> None:
    """``nir.write``'s layout (which has no hook for how a dataset is stored), with every
    uniform array (the IF/LIF neurons' ``r``, ``v_threshold``, ``v_reset``, ``tau``, ...) as
    an HDF5 dataset holding only its fill value: no bytes stored, yet every HDF5 reader
    (``nir.read`` and its type checks included) reads the full array, dtype unchanged.
    nir 1.0.8 types a neuron's input from ``r.shape`` and checks it against the edge's
    exactly, so a scalar or per-channel array would fail ``nir.read``. The other arrays are
    stored uncompressed: float weights barely compress (gzip level 1 gave 0.93x on SEW-50
    for 40 % of the export time and half the read time)."""
    for key, value in node.items():
        if key == "metadata" and value == {}:
            continue
        if isinstance(value, dict):
            _write_group(group.create_group(str(key)), value)
        elif isinstance(value, str):
            group.create_dataset(key, data=value, dtype=h5py.string_dtype())
        elif isinstance(value, np.ndarray) and _uniform(value):
            group.create_dataset(key, shape=value.shape, dtype=value.dtype,
                                 fillvalue=value.flat[0])
        elif isinstance(value, np.ndarray):
            group.create_dataset(key, data=value, dtype=value.dtype)
        else:
            group.create_dataset(key, data=value)


def _uniform(array: np.ndarray) -> bool:
    if array.size < COMPACT_MIN or array.dtype.kind not in "biuf":
        return False
    # bit patterns, not values: -0.0 and 0.0 differ, a NaN equals itself
    bits = np.ascontiguousarray(array).reshape(-1).view(f"u{array.dtype.itemsize}")
    return bool(np.all(bits == bits[0]))


GROUPS = "snn2hw.groups"  # node metadata: a grouped Conv2d written as its dense equivalent


def ungroup_convs(graph: nir.NIRGraph) -> nir.NIRGraph:
    """``graph`` with every grouped Conv2d (``groups > 1``: the depthwise pools of a quantised
    graph) as the dense Conv2d that computes the same (zeros between groups), marked with
    ``snn2hw.groups``. nir 1.0.8 rebuilds a Conv2d's input type from ``weight.shape[1]``, the
    channels per group, so a grouped conv fails plain ``nir.read``'s type check."""
    grouped = {k for k, n in graph.nodes.items() if isinstance(n, nir.Conv2d) and _groups(n) > 1}
    if not grouped:
        return graph
    nodes = {k: _dense(n) if k in grouped else n for k, n in graph.nodes.items()}
    return nir.NIRGraph(nodes=nodes, edges=list(graph.edges), metadata=dict(graph.metadata),
                        type_check=False)


def regroup_convs(graph: nir.NIRGraph) -> nir.NIRGraph:
    """The inverse of :func:`ungroup_convs` for the nodes it marked."""
    marked = {k for k, n in graph.nodes.items()
              if isinstance(n, nir.Conv2d) and GROUPS in (n.metadata or {})}
    if not marked:
        return graph
    nodes = {k: _grouped(n) if k in marked else n for k, n in graph.nodes.items()}
    return nir.NIRGraph(nodes=nodes, edges=list(graph.edges), metadata=dict(graph.metadata),
                        type_check=False)


def _groups(node: nir.Conv2d) -> int:
    return int(np.max(node.groups))


def _conv(node: nir.Conv2d, weight: np.ndarray, groups: int, metadata: dict) -> nir.Conv2d:
    return nir.Conv2d(input_shape=node.input_shape, weight=weight, stride=node.stride,
                      padding=node.padding, dilation=node.dilation, groups=groups,
                      bias=node.bias, metadata=metadata)


def _dense(node: nir.Conv2d) -> nir.Conv2d:
    groups, weight = _groups(node), np.asarray(node.weight)
    out_per, in_per = weight.shape[0] // groups, weight.shape[1]
    dense = np.zeros((weight.shape[0], in_per * groups, *weight.shape[2:]), dtype=weight.dtype)
    for g in range(groups):
        rows = slice(g * out_per, (g + 1) * out_per)
        dense[rows, g * in_per:(g + 1) * in_per] = weight[rows]
    return _conv(node, dense, 1, {**(node.metadata or {}), GROUPS: groups})


def _grouped(node: nir.Conv2d) -> nir.Conv2d:
    metadata = dict(node.metadata)
    groups, dense = int(metadata.pop(GROUPS)), np.asarray(node.weight)
    out_per, in_per = dense.shape[0] // groups, dense.shape[1] // groups
    weight = np.concatenate([dense[g * out_per:(g + 1) * out_per, g * in_per:(g + 1) * in_per]
                             for g in range(groups)])
    return _conv(node, weight, groups, metadata)
