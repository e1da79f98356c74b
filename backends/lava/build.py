"""Instantiate lava.proc processes for a folded (float) or quantised (fixed) NIR graph.

Weighted nodes become Dense (Affine/Linear, columns reordered to the Lava layout) or Conv
(kernel flipped, WHC: ``w[:, :, ::-1, ::-1].transpose(0, 3, 2, 1)``); neurons become LIF with
the ``snn2hw.loihi`` parameters; Flatten is a port reshape. The input comes from a RingBuffer
source, the graph output goes to a recording sink (:class:`.record.process.Record`): a
neuron's spikes, or for a non-spiking readout the Dense ``a_out`` (the accumulated ``W x``; the
host adds the bias).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import nir
import numpy as np

from snn2hw.hw.loihi import LOIHI as FMT
from snn2hw.ir import metadata
from snn2hw.passes.fold_loihi import LOIHI
from snn2hw.passes.loihi_graph import NEURONS, SYNAPSES, Topology, conv_geometry

from .layout import Layout, binary_input, delays, layouts

if TYPE_CHECKING:
    from .record.process import Record


class LavaSource(Protocol):
    """What the runner uses of the RingBuffer source (lava ships no types): it runs the network
    for a Lava run condition."""

    def run(self, condition: Any) -> None: ...


class LavaVar(Protocol):
    """A Lava ``Var`` the runner writes while the runtime lives."""

    def set(self, value: np.ndarray) -> None: ...


class LavaPopulation(Protocol):
    """What the runner uses of a LIF process: its membrane potential."""

    v: LavaVar


@dataclass
class LavaNetwork:
    """The processes of one mapped graph, and what the runner needs to drive them."""

    source: LavaSource  # RingBuffer source
    sinks: dict[str, Record]  # node name -> recording sink
    neurons: dict[str, LavaPopulation]  # node name -> LIF
    layout: dict[str, Layout]
    delay: dict[str, int]
    fixed: bool = False
    timing: dict[str, float] = field(default_factory=dict)
    v_init: dict[str, np.ndarray] = field(default_factory=dict)  # populations reset by Var.set

    def cast(self, values) -> np.ndarray:
        """Values as the number type of the processes (int32 in fixed point)."""
        return np.asarray(values, dtype=_number_type(self.fixed))


def _number_type(fixed: bool) -> type[np.number]:
    return np.int32 if fixed else np.float64


def build(graph: nir.NIRGraph, topo: Topology, data: np.ndarray, record: bool,
          sample_steps: int) -> LavaNetwork:
    """Processes and connections for ``graph`` (the result of fold_loihi or quantize_loihi),
    fed by ``data [*Lava input shape, steps]`` (samples of ``sample_steps`` back to back); the
    sinks hold as many steps."""
    from lava.proc.io.source import RingBuffer as Source

    start = time.perf_counter()
    fixed = graph.metadata.get(metadata.LOIHI_PRECISION) == "fixed"
    lay, (delay, pad) = layouts(graph, topo), delays(graph, topo)
    source = Source(data=np.asarray(data, dtype=_number_type(fixed)))
    net = LavaNetwork(source, {}, {}, lay, delay, fixed=fixed)
    buffer = data.shape[-1]
    ports = {topo.input_name: source.s_out}
    delayed: dict[tuple[str, int], object] = {}  # one shared identity chain per source
    for name in topo.order[1:]:
        node = graph.nodes[name]
        if isinstance(node, SYNAPSES):
            proc = _synapse(graph, topo, name, lay[topo.preds[name][0]], net)
            inport, ports[name] = proc.s_in, proc.a_out
        elif isinstance(node, NEURONS):
            proc = _neuron(node, lay[name], net, name, sample_steps)
            inport, ports[name] = proc.a_in, proc.s_out
        else:
            inport = None
        for p in topo.preds[name]:
            if inport is None:
                ports[name] = _reshape(ports[p], lay[name].shape)
            else:
                _connect(_delayed(ports, delayed, p, pad[(p, name)], net), inport)
    sink_names = [topo.output_name] + (
        [n for n in topo.order if isinstance(graph.nodes[n], NEURONS)] if record else []
    )
    for name in sink_names:
        net.sinks[name] = _sink(ports[name], buffer)
    net.timing["build_s"] = time.perf_counter() - start
    return net


def _reshape(port, shape: tuple[int, ...]):
    return port if tuple(port.shape) == tuple(shape) else port.reshape(shape)


def _connect(port, inport) -> None:
    _reshape(port, tuple(inport.shape)).connect(inport)


def _delayed(ports: dict, cache: dict, name: str, steps: int, net: LavaNetwork):
    """The output of ``name`` delayed by ``steps`` identity Sparse processes (graded messages),
    one chain per source shared by every consumer (a SEW stem output feeds four)."""
    if steps == 0:
        return ports[name]
    if (name, steps) not in cache:
        from lava.proc.sparse.process import Sparse
        from scipy.sparse import identity

        port = _delayed(ports, cache, name, steps - 1, net)
        size = int(np.prod(port.shape))
        # Sparse, not Dense: the same a_out = W s_in, without an n x n matrix per process
        sparse = Sparse(weights=identity(size, dtype=net.cast(0).dtype, format="csr"),
                        num_message_bits=FMT.message_bits)
        _reshape(port, (size,)).connect(sparse.s_in)
        cache[(name, steps)] = sparse.a_out
    return cache[(name, steps)]


def _synapse(graph: nir.NIRGraph, topo: Topology, name: str, src: Layout, net: LavaNetwork):
    from lava.proc.conv.process import Conv
    from lava.proc.dense.process import Dense

    node, params = graph.nodes[name], graph.nodes[name].metadata.get(LOIHI, {})
    bits = 0 if binary_input(graph, topo, name) else FMT.message_bits
    weight = net.cast(node.weight)
    if isinstance(node, nir.Conv2d):
        geo = conv_geometry(node)
        return Conv(
            weight=weight[:, :, ::-1, ::-1].transpose(0, 3, 2, 1), input_shape=src.shape,
            padding=geo["padding"][::-1], stride=geo["stride"][::-1],
            dilation=geo["dilation"][::-1], groups=int(node.groups), num_message_bits=bits,
        )
    return Dense(weights=weight[:, src.perm], num_message_bits=bits,
                 weight_exp=int(params.get("weight_exp", 0)))


def _neuron(node, lay: Layout, net: LavaNetwork, name: str, sample_steps: int):
    """A population starting from rest (v = 0) is a LIFReset that clears u, v itself at step
    ``delay`` of every sample (Lava's time steps start at 1); one with an initial potential is a
    LIF that the runner resets with Var.set (``net.v_init``)."""
    from lava.proc.lif.process import LIF, LIFReset

    p = node.metadata[LOIHI]
    v0 = net.cast(lay.to_lava(p["v_init"]))
    params = dict(shape=lay.shape, du=p["du"], dv=p["dv"], vth=p["vth"], v=v0, name=name,
                  bias_mant=net.cast(lay.to_lava(p["bias_mant"])), bias_exp=int(p["bias_exp"]))
    if np.any(v0):
        net.v_init[name] = v0
        lif = LIF(**params)
    else:
        lif = LIFReset(**params, reset_interval=sample_steps,
                       reset_offset=(net.delay[name] + 1) % sample_steps)
    net.neurons[name] = lif
    return lif


def _sink(port, buffer: int):
    from .record.process import Record

    sink = Record(shape=tuple(port.shape), steps=buffer)
    port.connect(sink.a_in)
    return sink
