"""The one graph layer: execution order, fan-in/fan-out, cycles and shapes of a NIR graph.

API (every backend, pass and the energy counter use it; names are stable):

- ``fan_in(graph)`` / ``fan_out(graph)``: ``{node: [sources]}`` / ``{node: [targets]}`` over all
  edges, in edge order (NIR sums fan-in; left to right in edge order everywhere);
  ``unknown_edge_ends(graph)``: one issue per edge end that names no node.
- ``schedule(graph) -> Schedule``: ``order`` (a topological order of the forward edges, in waves,
  each wave in node order), ``forward_inputs`` / ``forward_outputs`` (fan-in/fan-out over forward
  edges), ``recurrent_inputs`` (edges that close a cycle, found by a depth-first walk from the
  Input, carry the previous step's value), ``input_name``, ``output_name``, ``has_cycles``.
  Raises :class:`~snn2hw.errors.UnsupportedError` for graphs no backend runs (not exactly one
  Input and one Output, nested subgraphs, edges to unknown nodes, unreachable cycles).
- ``synapse_inputs(graph, records)``: each synaptic node in order with its recorded input (the
  sum of its forward fan-in), for counting operations from a run.
- ``topological_order(graph)``: ``schedule(graph).order`` for acyclic graphs; raises on cycles.
- ``stateless_cycles(graph)``: cycles that pass through no stateful node (neuron or delay);
  snn2hw refuses them on load (nothing would carry a value from one step to the next).
- ``output_shape(node, shape)``, ``conv_geometry(node)``: per-sample shapes (NIR, channels first)
  with the torch formulas; ``output_shape`` raises :class:`ShapeMismatch` when the node cannot
  take ``shape``. ``flatten_dims(node)``: a Flatten's dims on ``[batch, *shape]``.
- ``shape_problems(graph, sched) -> (shapes, issues)``: every node's per-sample output shape
  (None where unknown) and every mismatch; ``infer_shapes(graph, sched)`` returns the shapes or
  raises UnsupportedError listing the mismatches.
- ``population(node)``, ``neuron_count(graph, spiking_only=False)``: neurons per node / graph.

Node categories (neuron, synapse, pool, ...) come from :mod:`snn2hw.ir.capabilities`.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import nir
import numpy as np

from snn2hw.backend import Issue
from snn2hw.errors import UnsupportedError
from snn2hw.ir import capabilities as caps
from snn2hw.ir.graph_utils import graph_input_shape

Shape = tuple[int, ...]


class ShapeMismatch(ValueError):
    """A node cannot take the shape of its input (raised by :func:`output_shape`)."""


def fan_in(graph: nir.NIRGraph) -> dict[str, list[str]]:
    """Sources of every node over all edges, in edge order (edges to unknown nodes skipped)."""
    sources: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for src, dst in graph.edges:
        if dst in sources and src in graph.nodes:
            sources[dst].append(src)
    return sources


def fan_out(graph: nir.NIRGraph) -> dict[str, list[str]]:
    """Targets of every node over all edges, in edge order (edges to unknown nodes skipped)."""
    targets: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for src, dst in graph.edges:
        if src in targets and dst in graph.nodes:
            targets[src].append(dst)
    return targets


def unknown_edge_ends(graph: nir.NIRGraph) -> list[Issue]:
    """One issue per edge end that names no node of the graph."""
    return [Issue(end, f"edge ({src}, {dst}) names unknown node '{end}'")
            for src, dst in graph.edges for end in (src, dst) if end not in graph.nodes]


@dataclass(frozen=True)
class Schedule:
    """Execution order and forward/recurrent fan-in of a single-input, single-output graph."""

    order: list[str]
    forward_inputs: dict[str, list[str]]
    recurrent_inputs: dict[str, list[str]]
    forward_outputs: dict[str, list[str]]
    input_name: str
    output_name: str

    @property
    def has_cycles(self) -> bool:
        return any(self.recurrent_inputs.values())


def synapse_inputs(graph: nir.NIRGraph, records: Mapping[str, np.ndarray]
                   ) -> Iterator[tuple[str, nir.NIRNode, np.ndarray]]:
    """Every synaptic node in execution order with its input as recorded in ``records``
    (``[T, B, ...]`` per node): the sum of its forward fan-in, in edge order."""
    sched = schedule(graph)
    for name in sched.order:
        node = graph.nodes[name]
        if isinstance(node, caps.SYNAPSES):
            parts = [records[p] for p in sched.forward_inputs[name]]
            yield name, node, sum(parts[1:], parts[0])


def _single(graph: nir.NIRGraph, kind: type) -> str:
    names = [n for n, node in graph.nodes.items() if isinstance(node, kind)]
    if len(names) != 1:
        raise UnsupportedError(
            f"the graph must have exactly one {kind.__name__} node, found {len(names)}"
        )
    return names[0]


def schedule(graph: nir.NIRGraph) -> Schedule:
    """Order the nodes from the single Input node; edges that point back are recurrent."""
    for name, node in graph.nodes.items():
        if isinstance(node, nir.NIRGraph):
            raise UnsupportedError(f"node '{name}': nested subgraphs are not supported")
    input_name, output_name = _single(graph, nir.Input), _single(graph, nir.Output)
    unknown = unknown_edge_ends(graph)
    if unknown:
        raise UnsupportedError(unknown[0].message)
    back = _back_edges(input_name, fan_out(graph))
    forward: dict[str, list[str]] = {n: [] for n in graph.nodes}
    recurrent: dict[str, list[str]] = {n: [] for n in graph.nodes}
    outputs: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for src, dst in graph.edges:
        if (src, dst) in back:
            recurrent[dst].append(src)
        else:
            forward[dst].append(src)
            outputs[src].append(dst)
    try:
        order = _waves(list(graph.nodes), forward)
    except graphlib.CycleError as exc:
        raise UnsupportedError(
            f"nodes not reachable from the input: {', '.join(exc.args[1][:-1])}") from None
    return Schedule(order, forward, recurrent, outputs, input_name, output_name)


def _back_edges(start: str, successors: Mapping[str, list[str]]) -> set[tuple[str, str]]:
    """Edges reaching a node still on the depth-first stack (iterative DFS from ``start``,
    children in edge order). Which edge of a cycle is recurrent is part of the semantics (it
    carries the previous step's value), so this walk is fixed; networkx's DFS labels back and
    cross edges alike, hence the few lines here."""
    back, state = set(), {start: 1}
    stack = [(start, iter(successors[start]))]
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            state[node] = 2
            stack.pop()
        elif state.get(child) == 1:
            back.add((node, child))
        elif child not in state:
            state[child] = 1
            stack.append((child, iter(successors[child])))
    return back


def _waves(nodes: list[str], preds: Mapping[str, list[str]]) -> list[str]:
    """graphlib's topological order, wave by wave, each wave in ``nodes`` order (stable across
    runs and identical to the order every snn2hw report has used)."""
    index = {n: i for i, n in enumerate(nodes)}
    sorter = graphlib.TopologicalSorter({n: preds[n] for n in nodes})
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        wave = sorted(sorter.get_ready(), key=index.__getitem__)
        order += wave
        sorter.done(*wave)
    return order


def topological_order(graph: nir.NIRGraph) -> list[str]:
    """The execution order of an acyclic graph; raises UnsupportedError naming a cycle."""
    sched = schedule(graph)
    if sched.has_cycles:
        src, dst = next((s, d) for d, ss in sched.recurrent_inputs.items() for s in ss)
        raise UnsupportedError(f"the graph has a cycle (edge {src} -> {dst}); "
                               "only feed-forward graphs are supported here")
    return sched.order


def stateless_cycles(graph: nir.NIRGraph) -> list[list[str]]:
    """Cycles through no stateful node, each as a node list (at most one per node removed)."""
    preds = {n: [s for s in srcs if not caps.is_stateful(graph.nodes[s])]
             for n, srcs in fan_in(graph).items() if not caps.is_stateful(graph.nodes[n])}
    found: list[list[str]] = []
    while True:
        try:
            graphlib.TopologicalSorter(preds).prepare()
            return found
        except graphlib.CycleError as exc:
            cycle = list(exc.args[1][:-1])  # along the edges
            found.append(cycle)
            preds.pop(cycle[0], None)
            preds = {n: [s for s in srcs if s != cycle[0]] for n, srcs in preds.items()}


# ---- shapes ---------------------------------------------------------------------------------

def _pair(value: object) -> tuple[int, int]:
    arr = np.atleast_1d(np.asarray(value)).astype(int)
    return (int(arr[0]), int(arr[-1]))


def conv_geometry(node: nir.NIRNode) -> dict[str, tuple[int, int]]:
    """Kernel, stride, padding and dilation of a Conv2d or pooling node as (y, x) pairs."""
    if isinstance(node, nir.Conv2d):
        if isinstance(node.padding, str):
            raise UnsupportedError(f"string padding '{node.padding}' is not supported")
        kernel = tuple(int(k) for k in np.shape(node.weight)[2:])
        return dict(kernel=(kernel[0], kernel[1]), stride=_pair(node.stride),
                    padding=_pair(node.padding), dilation=_pair(node.dilation))
    return dict(kernel=_pair(node.kernel_size), stride=_pair(node.stride),
                padding=_pair(node.padding), dilation=(1, 1))


def _spatial(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _conv_sizes(node: nir.NIRNode, sizes: Shape) -> Shape:
    """Output spatial sizes of a Conv1d/Conv2d (string padding as torch) or pool."""
    dims = len(sizes)
    if isinstance(node, (nir.Conv1d, nir.Conv2d)):
        kernel = tuple(int(k) for k in np.shape(node.weight)[2:])
        dilation = np.broadcast_to(np.atleast_1d(node.dilation), (dims,))
        if isinstance(node.padding, str):
            if node.padding == "same":
                return sizes
            padding = np.zeros(dims, dtype=int)
        else:
            padding = np.broadcast_to(np.atleast_1d(node.padding), (dims,))
    else:
        kernel = tuple(np.broadcast_to(np.atleast_1d(node.kernel_size), (dims,)))
        dilation, padding = np.ones(dims, dtype=int), np.broadcast_to(
            np.atleast_1d(node.padding), (dims,))
    stride = np.broadcast_to(np.atleast_1d(node.stride), (dims,))
    return tuple(_spatial(int(sizes[i]), int(kernel[i]), int(stride[i]), int(padding[i]),
                          int(dilation[i])) for i in range(dims))


def _weighted_shape(node: nir.NIRNode, shape: Shape) -> Shape:
    weight = np.shape(node.weight)
    if isinstance(node, (nir.Affine, nir.Linear)):
        if len(weight) != 2:
            raise ShapeMismatch(f"weight of shape {weight} is not a matrix")
        if not shape or shape[-1] != weight[1]:
            raise ShapeMismatch(f"input of shape {shape} does not match weight {weight}")
        return shape[:-1] + (int(weight[0]),)
    spatial = 1 if isinstance(node, nir.Conv1d) else 2
    groups = int(node.groups)
    if len(weight) != spatial + 2:
        raise ShapeMismatch(f"weight of shape {weight} is not a {spatial}-d kernel")
    if len(shape) != spatial + 1 or shape[0] != weight[1] * groups:
        raise ShapeMismatch(f"input of shape {shape} does not match weight {weight} "
                            f"(groups {groups})")
    return (int(weight[0]), *_conv_sizes(node, shape[1:]))


def _elementwise_shape(node: nir.NIRNode, shape: Shape) -> Shape:
    """Neurons, Scale, Threshold, Delay keep their input's shape; parameters must broadcast
    to it (on ``[batch, *shape]``, as every backend applies them)."""
    batched = (1, *shape)
    for field_name, value in vars(node).items():
        if field_name in ("input_type", "output_type", "metadata") or value is None:
            continue
        if not isinstance(value, np.ndarray):
            continue
        try:
            fits = np.broadcast_shapes(batched, value.shape) == batched
        except ValueError:
            fits = False
        if not fits:
            raise ShapeMismatch(f"{field_name} of shape {value.shape} does not fit input {shape}")
    return shape


def flatten_dims(node: nir.Flatten) -> tuple[int, int]:
    """``start_dim``, ``end_dim`` of a Flatten on ``[batch, *shape]`` (NIR's exclude the batch)."""
    start, end = int(node.start_dim), int(node.end_dim)
    return (start + 1 if start >= 0 else start, end + 1 if end >= 0 else end)


def output_shape(node: nir.NIRNode, shape: Shape) -> Shape:
    """Per-sample output shape of ``node`` for input ``shape``; raises ShapeMismatch."""
    out = _output_shape(node, shape)
    if any(size <= 0 for size in out):
        raise ShapeMismatch(f"input of shape {shape} gives an empty output {out}")
    return out


def _output_shape(node: nir.NIRNode, shape: Shape) -> Shape:
    if isinstance(node, caps.SYNAPSES):
        return _weighted_shape(node, shape)
    if isinstance(node, caps.POOLS):
        if len(shape) != 3:
            raise ShapeMismatch(f"input of shape {shape} is not [C, H, W]")
        return (shape[0], *_conv_sizes(node, shape[1:]))
    if isinstance(node, nir.Flatten):
        if not shape:
            return shape
        start = int(node.start_dim) % len(shape)
        end = int(node.end_dim) % len(shape)
        return shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:]
    if isinstance(node, (nir.Input, nir.Output)):
        return shape
    return _elementwise_shape(node, shape)


def shape_problems(graph: nir.NIRGraph, sched: Schedule
                   ) -> tuple[dict[str, Shape | None], list[Issue]]:
    """Every node's per-sample output shape (None where it cannot be known) and one issue per
    node whose input does not fit it or whose summed inputs differ in shape."""
    try:
        shapes: dict[str, Shape | None] = {sched.input_name: graph_input_shape(graph)}
    except Exception:  # an Input without a usable type: nothing to infer from
        return {n: None for n in graph.nodes}, []
    issues: list[Issue] = []
    for name in sched.order:
        if name == sched.input_name:
            continue
        ins = [shapes[s] for s in sched.forward_inputs[name]]
        known = [s for s in ins if s is not None]
        shapes[name] = None
        if len(known) != len(ins) or not known:
            continue
        if any(s != known[0] for s in known[1:]):
            issues.append(Issue(name, f"summed inputs differ in shape: {_list(known)}"))
            continue
        try:
            shapes[name] = output_shape(graph.nodes[name], known[0])
        except ShapeMismatch as exc:
            issues.append(Issue(name, str(exc)))
        except (ValueError, TypeError, IndexError, ZeroDivisionError) as exc:  # odd parameters
            issues.append(Issue(name, f"cannot take input of shape {known[0]} ({exc})"))
    for name, sources in sched.recurrent_inputs.items():
        for src in sources:
            own, back = _first_input_shape(sched, shapes, name), shapes.get(src)
            if own is not None and back is not None and own != back:
                issues.append(Issue(name, f"recurrent input from '{src}' has shape {back}, "
                                          f"its other inputs {own}"))
    return shapes, issues


def _first_input_shape(sched: Schedule, shapes: Mapping[str, Shape | None], name: str
                       ) -> Shape | None:
    forward = sched.forward_inputs[name]
    return shapes.get(forward[0]) if forward else None


def _list(shapes: list[Shape]) -> str:
    return ", ".join(str(s) for s in shapes)


def infer_shapes(graph: nir.NIRGraph, sched: Schedule | None = None) -> dict[str, Shape]:
    """Every node's per-sample output shape; raises UnsupportedError listing mismatches or
    naming a node whose shape cannot be inferred."""
    sched = sched or schedule(graph)
    shapes, issues = shape_problems(graph, sched)
    if issues:
        raise UnsupportedError("; ".join(map(str, issues)))
    unknown = [n for n, s in shapes.items() if s is None]
    if unknown:
        raise UnsupportedError(f"cannot infer the shape of: {', '.join(unknown)}")
    return {n: s for n, s in shapes.items() if s is not None}


# ---- counting -------------------------------------------------------------------------------

def population(node: nir.NIRNode) -> int:
    """Neurons in a node: the size of its declared output type."""
    types = node.output_type
    value = types.get("output", next(iter(types.values())))
    return int(np.prod(np.atleast_1d(value)))


def neuron_count(graph: nir.NIRGraph, spiking_only: bool = False) -> int:
    """Neurons per sample (one membrane update each per step)."""
    kinds = caps.SPIKING_NEURONS if spiking_only else caps.NEURONS
    return sum(population(n) for n in graph.nodes.values() if isinstance(n, kinds))
