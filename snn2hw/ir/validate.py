"""Validation of a NIR graph on load: every problem at once, in one error naming the file.

:func:`graph_problems` lists what would make any backend fail or silently compute nonsense:

- edges that name unknown nodes;
- cycles through no stateful node (neuron or delay): nothing would carry a value between steps;
- shapes that do not fit (weights vs inputs, summed inputs, parameters vs their population);
- NaN or infinity in parameters and in snn2hw metadata (e.g. ``snn2hw.v_init``);
- snn2hw metadata out of range: ``snn2hw.T`` not an integer in [1, MAX_T], ``snn2hw.dt`` not a
  positive finite number of seconds up to MAX_DT, unknown readout/encoding/reset modes.

Structures that are valid NIR but that some backends do not run (several Inputs, nested graphs,
unsupported node types) are not problems here: backends' ``check`` reports those.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping
from typing import Any

import nir
import numpy as np

from snn2hw.errors import BadInputError, UnsupportedError
from snn2hw.ir import metadata
from snn2hw.ir.graph import Shape, schedule, shape_problems, stateless_cycles, unknown_edge_ends

MAX_T = 100_000  # steps; a sample of [T, 1000] float32 is then 400 MB
MAX_DT = 3600.0  # seconds
_TYPE_FIELDS = ("input_type", "output_type", "metadata")


def graph_problems(graph: nir.NIRGraph) -> list[str]:
    """Every problem of ``graph`` as one short sentence each (empty when it is sound)."""
    problems = [str(issue) for issue in unknown_edge_ends(graph)]
    problems += [f"cycle {' -> '.join([*cycle, cycle[0]])} passes through no neuron or delay"
                 for cycle in stateless_cycles(graph)]
    for name, node in graph.nodes.items():
        problems += [f"{name}: {p}" for p in _parameter_problems(node)]
        problems += [f"{name}: {p}" for p in _node_metadata_problems(node)]
    problems += _graph_metadata_problems(graph.metadata or {})
    problems += _shape_issues(graph)
    return problems


def validate_graph(graph: nir.NIRGraph, where: str) -> None:
    """Raise one :class:`BadInputError` naming ``where`` and listing every problem."""
    problems = graph_problems(graph)
    if problems:
        noun = "problem" if len(problems) == 1 else f"{len(problems)} problems"
        raise BadInputError(f"{where}: invalid NIR graph ({noun}): " + "; ".join(problems))


def _parameter_problems(node: nir.NIRNode) -> Iterator[str]:
    for field_name, value in vars(node).items():
        if field_name in _TYPE_FIELDS or not isinstance(value, np.ndarray):
            continue
        if value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
            yield f"non-finite {field_name} (NaN or infinity)"


def _nonfinite_keys(values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """snn2hw metadata keys (nested dicts included) holding NaN or infinity."""
    for key, value in values.items():
        path = f"{prefix}{key}"
        if not (prefix or str(key).startswith(metadata.PREFIX)):
            continue
        if isinstance(value, Mapping):
            yield from _nonfinite_keys(value, path + ".")
            continue
        array = np.asarray(value) if isinstance(value, (numbers.Number, np.ndarray,
                                                        np.generic)) else None
        if array is not None and array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
            yield path


def _node_metadata_problems(node: nir.NIRNode) -> Iterator[str]:
    meta = getattr(node, "metadata", None) or {}
    for key in _nonfinite_keys(meta):
        yield f"non-finite metadata {key} (NaN or infinity)"
    if metadata.V_INIT in meta:
        value = np.asarray(meta[metadata.V_INIT])
        if value.dtype.kind not in "iuf":
            yield f"metadata {metadata.V_INIT} is not numeric"
    if metadata.RESET in meta and metadata.reset_mode(node) not in metadata.RESET_MODES:
        yield (f"metadata {metadata.RESET} is '{metadata.reset_mode(node)}', not one of "
               f"{', '.join(metadata.RESET_MODES)}")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.integer, np.floating)):
        return None
    return float(value)


def _graph_metadata_problems(meta: Mapping[str, Any]) -> list[str]:
    problems = [f"non-finite metadata {key} (NaN or infinity)" for key in _nonfinite_keys(meta)]
    plain = {key: metadata.plain_value(value) for key, value in meta.items()}
    if metadata.T in plain:
        steps = _number(plain[metadata.T])
        if steps is None or not np.isfinite(steps) or steps != int(steps) or not (
                1 <= steps <= MAX_T):
            problems.append(f"metadata {metadata.T} = {plain[metadata.T]!r} is not a number "
                            f"of steps in [1, {MAX_T}]")
    if metadata.DT in plain:
        dt = _number(plain[metadata.DT])
        if dt is None or not (np.finfo(np.float64).tiny <= dt <= MAX_DT):
            problems.append(f"metadata {metadata.DT} = {plain[metadata.DT]!r} is not a time step "
                            f"in seconds (positive, at most {MAX_DT:g})")
    for key, allowed in ((metadata.READOUT, metadata.READOUT_MODES),
                         (metadata.INPUT_ENCODING, metadata.INPUT_ENCODINGS)):
        if key in plain and not (isinstance(plain[key], str) and plain[key] in allowed):
            problems.append(f"metadata {key} = {plain[key]!r} is not one of {', '.join(allowed)}")
    return problems


def _shape_issues(graph: nir.NIRGraph) -> list[str]:
    """Shape mismatches (edges to unknown nodes left out), where the graph has the one Input
    and Output a schedule needs."""
    known = [(s, d) for s, d in graph.edges if s in graph.nodes and d in graph.nodes]
    if len(known) != len(graph.edges):
        graph = nir.NIRGraph(nodes=graph.nodes, edges=known, metadata=graph.metadata,
                             type_check=False)
    try:
        sched = schedule(graph)
    except (UnsupportedError, BadInputError):
        return []
    shapes, issues = shape_problems(graph, sched)
    problems = [str(issue) for issue in issues]
    for name, node in graph.nodes.items():
        shape = shapes.get(name)
        v0 = (getattr(node, "metadata", None) or {}).get(metadata.V_INIT)
        if shape is not None and v0 is not None and not _fits(np.shape(v0), shape):
            problems.append(f"{name}: metadata {metadata.V_INIT} of shape {np.shape(v0)} does "
                            f"not fit the population {shape}")
    return problems


def _fits(shape: tuple[int, ...], population: Shape) -> bool:
    batched = (1, *population)
    try:
        return np.broadcast_shapes(batched, shape) == batched
    except ValueError:
        return False
