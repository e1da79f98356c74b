"""Graph queries the Loihi passes and the Lava backend share: order, neighbours, shapes.

Only acyclic graphs with one Input and one Output are handled; shapes are per sample, in NIR
(torch, channels first) order, computed from the Input shape with the torch formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

import nir
import numpy as np

from snn2hw.errors import UnsupportedError
from snn2hw.ir.graph_utils import graph_input_shape

SYNAPSES = (nir.Affine, nir.Linear, nir.Conv2d)
POOLS = (nir.SumPool2d, nir.AvgPool2d)
NEURONS = (nir.IF, nir.LIF)
PASSIVE = (nir.Input, nir.Output, nir.Flatten)
SUPPORTED = SYNAPSES + POOLS + NEURONS + PASSIVE


@dataclass(frozen=True)
class Topology:
    """Topological order, predecessors and successors of every node, and per-sample shapes."""

    order: list[str]
    preds: dict[str, list[str]]
    succs: dict[str, list[str]]
    shapes: dict[str, tuple[int, ...]]
    input_name: str
    output_name: str


def _pair(value) -> tuple[int, int]:
    arr = np.atleast_1d(np.asarray(value)).astype(int)
    return (int(arr[0]), int(arr[-1]))


def conv_geometry(node) -> dict[str, tuple[int, int]]:
    """Kernel, stride, padding and dilation of a Conv2d or pooling node as (y, x) pairs."""
    if isinstance(node, nir.Conv2d):
        if isinstance(node.padding, str):
            raise UnsupportedError(f"string padding '{node.padding}' is not supported")
        kernel = tuple(int(k) for k in np.shape(node.weight)[2:])
        return dict(kernel=kernel, stride=_pair(node.stride), padding=_pair(node.padding),
                    dilation=_pair(node.dilation))
    return dict(kernel=_pair(node.kernel_size), stride=_pair(node.stride),
                padding=_pair(node.padding), dilation=(1, 1))


def _spatial(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def output_shape(node, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Per-sample output shape of ``node`` for input ``shape``."""
    if isinstance(node, (nir.Affine, nir.Linear)):
        return (int(np.shape(node.weight)[0]),)
    if isinstance(node, nir.Flatten):
        start = int(node.start_dim) % len(shape)
        end = int(node.end_dim) % len(shape)
        return shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:]
    if isinstance(node, SYNAPSES[2:] + POOLS):
        geo = conv_geometry(node)
        channels = int(np.shape(node.weight)[0]) if isinstance(node, nir.Conv2d) else shape[0]
        hw = [_spatial(shape[1 + i], geo["kernel"][i], geo["stride"][i], geo["padding"][i],
                       geo["dilation"][i]) for i in range(2)]
        return (channels, *hw)
    return shape


def topology(graph: nir.NIRGraph) -> Topology:
    """Order and shapes of an acyclic single-input, single-output graph."""
    inputs = [n for n, node in graph.nodes.items() if isinstance(node, nir.Input)]
    outputs = [n for n, node in graph.nodes.items() if isinstance(node, nir.Output)]
    if len(inputs) != 1 or len(outputs) != 1:
        raise UnsupportedError("the graph must have exactly one Input and one Output node")
    preds = {n: [] for n in graph.nodes}
    succs = {n: [] for n in graph.nodes}
    for src, dst in graph.edges:
        preds[dst].append(src)
        succs[src].append(dst)
    order, done, pending = [], set(), list(graph.nodes)
    while pending:
        ready = [n for n in pending if all(p in done for p in preds[n])]
        if not ready:
            raise UnsupportedError(f"cycle or unreachable nodes: {', '.join(sorted(pending))}")
        order += ready
        done.update(ready)
        pending = [n for n in pending if n not in done]
    shapes = {inputs[0]: graph_input_shape(graph)}
    for name in order:
        if name in shapes:
            continue
        if not preds[name]:
            raise UnsupportedError(f"node '{name}' has no input edge")
        shapes[name] = output_shape(graph.nodes[name], shapes[preds[name][0]])
    return Topology(order, preds, succs, shapes, inputs[0], outputs[0])
