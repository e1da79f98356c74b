"""Hand-built NIR graphs whose chip resources can be counted by hand."""

from __future__ import annotations

import nir
import numpy as np


def if_node(shape) -> nir.IF:
    shape = tuple(np.atleast_1d(shape))
    return nir.IF(r=np.ones(shape), v_threshold=np.ones(shape), v_reset=np.zeros(shape))


def conv(c_out: int, c_in: int, k: int, stride: int = 1, padding: int = 0, groups: int = 1,
         size=None) -> nir.Conv2d:
    return nir.Conv2d(input_shape=size, weight=np.ones((c_out, c_in // groups, k, k)),
                      stride=stride, padding=padding, dilation=1, groups=groups,
                      bias=np.zeros(c_out))


def graph(input_shape, nodes: dict, edges: list, output_shape, metadata=None
          ) -> nir.NIRGraph:
    """``input`` and ``output`` around ``nodes``; edges name them."""
    all_nodes = {"input": nir.Input(np.array(input_shape)), **nodes,
                 "output": nir.Output(np.array(output_shape))}
    return nir.NIRGraph(nodes=all_nodes, edges=edges, metadata=metadata or {},
                        type_check=False)


def linear_lif_readout() -> nir.NIRGraph:
    """input(4) -> Affine 3x4 -> IF(3) -> Affine 2x3 -> output."""
    return graph([4], {"fc1": nir.Affine(np.ones((3, 4)), np.zeros(3)), "n1": if_node(3),
                       "fc2": nir.Affine(np.ones((2, 3)), np.zeros(2))},
                 [("input", "fc1"), ("fc1", "n1"), ("n1", "fc2"), ("fc2", "output")], [2])


def conv_pool_graph() -> nir.NIRGraph:
    """input(2,6,6) -> conv 3x3 pad 1 -> IF(4,6,6) -> {sum pool 2 -> flatten -> Affine 5x36;
    conv 3x3 stride 2 pad 1 -> IF(3,3,3) -> flatten -> Affine 5x27} -> output (summed)."""
    nodes = {
        "c1": conv(4, 2, 3, padding=1, size=(6, 6)), "n1": if_node((4, 6, 6)),
        "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                              padding=np.array([0, 0])),
        "flat": nir.Flatten(input_type={"input": np.array([4, 3, 3])}, start_dim=0),
        "fc": nir.Affine(np.ones((5, 36)), np.zeros(5)),
        "c2": conv(3, 4, 3, stride=2, padding=1, size=(6, 6)), "n2": if_node((3, 3, 3)),
        "flat2": nir.Flatten(input_type={"input": np.array([3, 3, 3])}, start_dim=0),
        "fc2": nir.Affine(np.ones((5, 27)), np.zeros(5)),
    }
    edges = [("input", "c1"), ("c1", "n1"), ("n1", "pool"), ("pool", "flat"), ("flat", "fc"),
             ("fc", "output"), ("n1", "c2"), ("c2", "n2"), ("n2", "flat2"), ("flat2", "fc2"),
             ("fc2", "output")]
    return graph([2, 6, 6], nodes, edges, [5])


def wide_linear(n_in: int, n_out: int) -> nir.NIRGraph:
    """input(n_in) -> Linear n_out x n_in -> IF(n_out)."""
    return graph([n_in], {"fc": nir.Linear(np.ones((n_out, n_in))), "n": if_node(n_out)},
                 [("input", "fc"), ("fc", "n"), ("n", "output")], [n_out])


def conv_if(size: int = 6) -> nir.NIRGraph:
    """input(2,size,size) -> conv 4x2x3x3 pad 1 -> IF(4,size,size)."""
    return graph([2, size, size], {"c": conv(4, 2, 3, padding=1, size=(size, size)),
                                   "n": if_node((4, size, size))},
                 [("input", "c"), ("c", "n"), ("n", "output")], [4, size, size])


def residual() -> nir.NIRGraph:
    """SEW-style sum: a -> conv b -> IF b; a + b -> conv c (two sources) -> IF c."""
    nodes = {"ca": conv(2, 1, 1, size=(4, 4)), "a": if_node((2, 4, 4)),
             "cb": conv(2, 2, 1, size=(4, 4)), "b": if_node((2, 4, 4)),
             "cc": conv(2, 2, 1, size=(4, 4)), "c": if_node((2, 4, 4))}
    edges = [("input", "ca"), ("ca", "a"), ("a", "cb"), ("cb", "b"), ("a", "cc"), ("b", "cc"),
             ("cc", "c"), ("c", "output")]
    return graph([1, 4, 4], nodes, edges, [2, 4, 4])
