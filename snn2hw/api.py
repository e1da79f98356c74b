"""snn2hw's verbs as functions; the CLI is a thin layer over them. torch loads only with the
verbs that need it (export), so inspecting a graph stays light."""

from __future__ import annotations

import os
from collections.abc import Sequence

import nir

from snn2hw.defaults import DEFAULT_DT
from snn2hw.errors import about
from snn2hw.inspection import GraphSummary, summarize
from snn2hw.ir.io import read_graph, write_graph


def export_model(
    source: str | os.PathLike,
    output: str | os.PathLike | None = None,
    *,
    arch: str | None = None,
    T: int | None = None,
    input_shape: Sequence[int] | None = None,
    dt: float = DEFAULT_DT,
    readout: str | None = None,
    trust: bool = False,
) -> nir.NIRGraph:
    """Export a checkpoint (or a bare state_dict with ``arch``, ``T``, ``input_shape``) to
    NIR; writes ``output`` atomically when given. Returns the graph."""
    from snn2hw.frontends import torch_to_graph
    from snn2hw.frontends.sources import load_model_source

    with about(source):
        spec = load_model_source(source, arch=arch, T=T, input_shape=input_shape,
                                 readout=readout, trust=trust)
        graph = torch_to_graph(spec.model, spec.input_shape, spec.T, dt=dt,
                               static_input=spec.static_input, readout=spec.readout,
                               arch=spec.arch)
    if output is not None:
        write_graph(graph, output)
    return graph


def inspect_graph(graph: nir.NIRGraph | str | os.PathLike) -> GraphSummary:
    """Per-node table, graph metadata and totals of a NIR graph or ``.nir`` file."""
    if not isinstance(graph, nir.NIRGraph):
        with about(graph):
            graph = read_graph(graph)
    return summarize(graph)
