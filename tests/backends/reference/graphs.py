"""Small NIR graphs built by hand for the reference backend's tests."""

from __future__ import annotations

import nir
import numpy as np

from snn2hw.ir.metadata import DT


def chain(*nodes: tuple[str, nir.NIRNode], n_in: int, metadata=None) -> nir.NIRGraph:
    """input -> nodes... -> output, with types inferred by NIR; dt = 1 unless metadata says."""
    names = ["input"] + [n for n, _ in nodes] + ["output"]
    all_nodes = {"input": nir.Input(np.array([n_in])), **dict(nodes)}
    last = nodes[-1][1]
    out_shape = np.asarray(last.output_type["output"])
    all_nodes["output"] = nir.Output(out_shape)
    edges = list(zip(names[:-1], names[1:]))
    return nir.NIRGraph(nodes=all_nodes, edges=edges, metadata=metadata or {DT: 1.0})


def if_node(n: int, threshold: float = 1.0, v_reset: float = 0.0, dt: float = 1.0, **meta):
    return nir.IF(
        r=np.full(n, 1.0 / dt), v_threshold=np.full(n, threshold), v_reset=np.full(n, v_reset),
        metadata=meta,
    )


def identity_affine(n: int, gain: float = 1.0) -> nir.Affine:
    return nir.Affine(weight=np.eye(n) * gain, bias=np.zeros(n))
