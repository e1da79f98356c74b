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
    arch_args: dict | None = None,
) -> nir.NIRGraph:
    """Export a checkpoint (or a bare state_dict with ``arch``, ``T``, ``input_shape``) to
    NIR; writes ``output`` atomically when given. Returns the graph.

    ``arch`` may be ``"path/to/models.py:build_net"``: that function, called with
    ``arch_args``, builds the model and ``source`` holds its weights (read without unpickling
    code). A whole pickled module is read only with ``trust``."""
    from snn2hw.frontends import torch_to_graph
    from snn2hw.frontends.sources import load_model_source

    with about(source):
        spec = load_model_source(source, arch=arch, T=T, input_shape=input_shape,
                                 readout=readout, trust=trust, arch_args=arch_args)
        graph = torch_to_graph(spec.model, spec.input_shape, spec.T, dt=dt,
                               static_input=spec.static_input, readout=spec.readout,
                               arch=spec.arch, copy_model=False)
    del spec  # the graph shares the model's weights; the rest of the model goes before writing
    if output is not None:
        write_graph(graph, output)
    return graph


def export_module(
    model,
    input_shape: Sequence[int],
    T: int,
    output: str | os.PathLike | None = None,
    *,
    dt: float = DEFAULT_DT,
    readout: str = "last",
    static_input: bool | None = None,
    arch: str | None = None,
) -> nir.NIRGraph:
    """The NIR graph of a ``torch.nn.Module`` in memory: snn2hw's classes, a SpikingJelly 2.0
    network (``IFNode``/``LIFNode``/``ParametricLIFNode``, its layers and containers, either
    step mode) or one with the paper's IMP neurons. ``input_shape`` is one sample (no T, no B);
    writes ``output`` atomically when given. What cannot be exported is refused with the
    module's path and class (:class:`~snn2hw.errors.UnsupportedError`)."""
    from snn2hw.frontends import torch_to_graph

    graph = torch_to_graph(model, input_shape, T, dt=dt, static_input=static_input,
                           readout=readout, arch=arch)
    if output is not None:
        write_graph(graph, output)
    return graph


def inspect_graph(graph: nir.NIRGraph | str | os.PathLike) -> GraphSummary:
    """Per-node table, graph metadata and totals of a NIR graph or ``.nir`` file."""
    if not isinstance(graph, nir.NIRGraph):
        with about(graph):
            graph = read_graph(graph)
    return summarize(graph)
