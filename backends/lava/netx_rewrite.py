"""Fold pooling layers into the weighted layer that consumes them, for netx (which has none).

A sum or average pool is linear, and in every model snn2hw trains or builds a pool feeds a
weighted layer directly (a convolution, or through a Flatten a linear layer), with no neuron in
between, so the pair is one weighted layer of the pool's input:

- pool -> [Flatten] -> Affine/Linear: ``W' = W P`` with ``P`` the pool as a matrix (CHW order);
- pool (kernel k_p, stride s_p, no padding) -> Conv2d (kernel k, stride s, padding p, no
  dilation): one convolution of kernel ``(k - 1) s_p + k_p``, stride ``s s_p``, padding
  ``p s_p``, whose taps sum the conv's weights over each pooling window (times 1 or 1/area).

Anything else is reported as a problem naming the pool.
"""

from __future__ import annotations

import copy
from typing import Any

import nir
import numpy as np

from snn2hw.passes.loihi_graph import POOLS, Topology, conv_geometry, topology


def fold_pools(graph: nir.NIRGraph) -> tuple[nir.NIRGraph, list[str]]:
    """``graph`` with every foldable pool folded into its consumer, and one problem per pool
    that is left (the graph is returned unchanged around those)."""
    topo = topology(graph)
    nodes = {name: copy.deepcopy(node) for name, node in graph.nodes.items()}
    edges = list(graph.edges)
    problems = []
    for name in topo.order:
        if not isinstance(graph.nodes[name], POOLS):
            continue
        problem = _fold(graph, topo, nodes, edges, name)
        if problem:
            problems.append(f"node '{name}': netx has no pooling layer and {problem}")
    if not problems:
        graph = nir.NIRGraph(nodes=nodes, edges=edges, metadata=dict(graph.metadata),
                             type_check=False)
    return graph, problems


def _fold(graph: nir.NIRGraph, topo: Topology, nodes: dict, edges: list, name: str) -> str:
    """Fold pool ``name`` into ``nodes``/``edges`` in place; returns why not, or ''."""
    succs = topo.succs[name]
    if len(topo.preds[name]) != 1 or len(succs) != 1:
        return "it has several inputs or consumers"
    source, consumer, flatten = topo.preds[name][0], succs[0], None
    in_shape = tuple(topo.shapes[source])
    if len(in_shape) != 3:
        return "its input is not (C, H, W)"
    if isinstance(graph.nodes[consumer], nir.Flatten) and len(topo.succs[consumer]) == 1:
        flatten, consumer = consumer, topo.succs[consumer][0]
    node = nodes[consumer]
    pool = _pool_geometry(graph.nodes[name])
    if isinstance(node, (nir.Affine, nir.Linear)):
        node.weight = np.asarray(node.weight, dtype=np.float64) @ _pool_matrix(pool, in_shape)
    elif isinstance(node, nir.Conv2d) and flatten is None:
        reason = _fold_into_conv(node, pool, in_shape)
        if reason:
            return reason
    else:
        return f"it feeds {type(graph.nodes[consumer]).__name__} '{consumer}' (only a " \
               "following convolution or linear layer can absorb it)"
    first = flatten or consumer
    if flatten is not None:  # a new node: NIR derives the output type from the input type
        old = nodes[flatten]
        nodes[flatten] = nir.Flatten(input_type={"input": np.array(in_shape)},
                                     start_dim=old.start_dim, end_dim=old.end_dim,
                                     metadata=dict(old.metadata))
    del nodes[name]
    edges[:] = [e for e in edges if name not in e] + [(source, first)]
    return ""


def _pool_geometry(node) -> dict[str, Any]:
    geo: dict[str, Any] = dict(conv_geometry(node))
    area = float(np.prod(geo["kernel"]))
    geo["value"] = 1.0 if isinstance(node, nir.SumPool2d) else 1.0 / area
    return geo


def _pool_matrix(pool: dict, in_shape: tuple[int, int, int]) -> np.ndarray:
    """The pool as a ``[C*Ho*Wo, C*H*W]`` matrix (CHW order; padding reads zeros)."""
    channels, height, width = in_shape
    (kh, kw), (sh, sw), (ph, pw) = pool["kernel"], pool["stride"], pool["padding"]
    out_h, out_w = (height + 2 * ph - kh) // sh + 1, (width + 2 * pw - kw) // sw + 1
    matrix = np.zeros((channels * out_h * out_w, channels * height * width))
    c, i, j, a, b = np.meshgrid(np.arange(channels), np.arange(out_h), np.arange(out_w),
                                np.arange(kh), np.arange(kw), indexing="ij")
    y, x = i * sh - ph + a, j * sw - pw + b
    inside = (y >= 0) & (y < height) & (x >= 0) & (x < width)
    rows = ((c * out_h + i) * out_w + j)[inside]
    cols = ((c * height + y) * width + x)[inside]
    np.add.at(matrix, (rows, cols), pool["value"])
    return matrix


def _fold_into_conv(conv: nir.Conv2d, pool: dict, in_shape: tuple[int, int, int]) -> str:
    geo = conv_geometry(conv)
    if any(pool["padding"]) or geo["dilation"] != (1, 1):
        return "a padded pool or a dilated convolution cannot be folded"
    weight = np.asarray(conv.weight, dtype=np.float64)
    (kh, kw), (sh, sw) = geo["kernel"], pool["stride"]
    (ph, pw) = pool["kernel"]
    folded = np.zeros((*weight.shape[:2], (kh - 1) * sh + ph, (kw - 1) * sw + pw))
    for i in range(kh):
        for j in range(kw):
            folded[:, :, i * sh:i * sh + ph, j * sw:j * sw + pw] += weight[:, :, i:i + 1, j:j + 1]
    conv.weight = folded * pool["value"]
    conv.stride = np.array([geo["stride"][0] * sh, geo["stride"][1] * sw])
    conv.padding = np.array([geo["padding"][0] * sh, geo["padding"][1] * sw])
    conv.input_shape = np.array(in_shape[1:])
    return ""
