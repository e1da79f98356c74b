"""Where neurons start: an import option for files whose exporter cannot say it.

SpikingJelly starts a hard-reset neuron at its ``v_reset`` (``neuron.IFNode(v_reset=-0.5)``
begins at -0.5), but NIR has no initial state, so a file from SpikingJelly's own exporter starts
at 0 in any NIR reader. ``reset`` starts every hard-reset neuron without ``snn2hw.v_init`` at its
``v_reset``; ``zero`` starts every neuron at 0 (IMP's learnt potentials dropped)."""

from __future__ import annotations

import copy

import nir
import numpy as np

from snn2hw.ir import metadata

INITIAL_STATES = ("reset", "zero")
NEURONS = (nir.IF, nir.LIF, nir.CubaLIF)


def with_initial_state(graph: nir.NIRGraph, mode: str) -> nir.NIRGraph:
    """A copy of ``graph`` whose neurons start as ``mode`` says (see the module docstring)."""
    if mode not in INITIAL_STATES:
        raise ValueError(f"initial state must be one of {INITIAL_STATES}, got {mode!r}")
    nodes = {}
    for name, node in graph.nodes.items():
        if isinstance(node, NEURONS):
            node = copy.copy(node)
            node.metadata = dict(node.metadata or {})
            if mode == "zero":
                node.metadata.pop(metadata.V_INIT, None)
            elif metadata.V_INIT not in node.metadata and metadata.reset_mode(node) == "hard":
                node.metadata[metadata.V_INIT] = np.asarray(node.v_reset, dtype=np.float64)
        elif isinstance(node, nir.NIRGraph):
            node = with_initial_state(node, mode)
        nodes[name] = node
    return nir.NIRGraph(nodes=nodes, edges=list(graph.edges), metadata=dict(graph.metadata),
                        type_check=False)
