"""Execution order of a NIR graph: a topological order of the forward edges, and the edges
that close cycles (recurrent connections), which carry the previous step's value."""

from __future__ import annotations

from dataclasses import dataclass

import nir

from snn2hw.errors import UnsupportedError


@dataclass(frozen=True)
class Schedule:
    order: list[str]
    forward_inputs: dict[str, list[str]]
    recurrent_inputs: dict[str, list[str]]
    input_name: str
    output_name: str

    @property
    def has_cycles(self) -> bool:
        return any(self.recurrent_inputs.values())


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
    successors: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for src, dst in graph.edges:
        for end in (src, dst):
            if end not in graph.nodes:
                raise UnsupportedError(f"edge ({src}, {dst}) names unknown node '{end}'")
        successors[src].append(dst)
    back_edges = _back_edges(input_name, successors)
    forward = {n: [] for n in graph.nodes}
    recurrent = {n: [] for n in graph.nodes}
    for src, dst in graph.edges:
        (recurrent if (src, dst) in back_edges else forward)[dst].append(src)
    order = _topological(graph.nodes, forward)
    return Schedule(order, forward, recurrent, input_name, output_name)


def _back_edges(start: str, successors: dict[str, list[str]]) -> set[tuple[str, str]]:
    """Edges reaching a node still on the depth-first stack (iterative DFS)."""
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


def _topological(nodes, forward: dict[str, list[str]]) -> list[str]:
    order, done = [], set()
    pending = list(nodes)
    while pending:
        ready = [n for n in pending if all(p in done for p in forward[n])]
        if not ready:
            raise UnsupportedError(f"nodes not reachable from the input: {', '.join(pending)}")
        for n in ready:
            order.append(n)
            done.add(n)
        pending = [n for n in pending if n not in done]
    return order
