"""Small queries on NIR graphs shared by frontends, passes and backends."""

from __future__ import annotations

import nir
import numpy as np

from snn2hw.errors import BadInputError


def graph_input_shape(graph: nir.NIRGraph) -> tuple[int, ...]:
    """Per-sample shape of the graph's Input node."""
    for node in graph.nodes.values():
        if isinstance(node, nir.Input):
            shape = node.output_type.get("output", next(iter(node.output_type.values())))
            return tuple(int(s) for s in np.atleast_1d(shape))
    raise BadInputError("the graph has no Input node")


def check_time_major(shape: tuple[int, ...], expected: tuple[int, ...]) -> None:
    """Refuse inputs that are not ``[T, B, *expected]`` (one message for every backend)."""
    shape, expected = tuple(int(s) for s in shape), tuple(int(s) for s in expected)
    if len(shape) < 2 or shape[2:] != expected:
        raise BadInputError(f"input of shape {shape} does not match the graph: expected "
                            f"[T, B, {', '.join(map(str, expected))}]")
