"""Write a NIR graph as a lava-dl netx HDF5 network (``lava.lib.dl.netx.hdf5.Network``).

netx runs strictly sequential networks of spiking layers (research/nir_lava.md §6): an input
shape, then ``conv`` and ``dense`` layers, each a synapse followed by a CUBA neuron, with
``flatten`` markers between them. The graph is quantised with
:func:`snn2hw.passes.quantize_loihi.quantize_loihi`, so the file holds exactly the integers of
our own ``fixed`` mapping: Conv2d -> ``conv`` (torch OIHW kernel, strides as (y, x); netx flips
and transposes it to Lava's WHC itself), Affine/Linear -> ``dense`` (columns in torch CHW order,
as netx flattens a conv output), IF/LIF -> CUBA (``iDecay = du + 1``, ``vDecay = dv``,
``vThMant = vth``; netx's bias exponent is fixed at 6).

Graded (non-spike) inputs need ``Network(..., input_message_bits=24)`` when loading.
Residual fan-in, pooling, a non-spiking readout, an initial potential (IMP) or a bias off
netx's grid raise :class:`UnsupportedError` naming the node and the reason; nothing is written.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

import h5py
import nir
import numpy as np

from snn2hw.atomic import write_bytes
from snn2hw.errors import UnsupportedError
from snn2hw.passes.fold_loihi import LOIHI
from snn2hw.passes.loihi_graph import NEURONS, POOLS, SYNAPSES, Topology, conv_geometry, topology
from snn2hw.passes.quantize_loihi import quantize_loihi

NETX_BIAS_EXP = 6  # netx fixes bias_exp (lava/lib/dl/netx/hdf5.py, get_neuron_params)


@dataclass(frozen=True)
class NetxLayer:
    """One netx layer: ``kind`` is conv, dense or flatten; ``synapse``/``neuron`` NIR names."""

    kind: str
    synapse: str
    neuron: str | None = None


def export_netx(graph: nir.NIRGraph, path: str | os.PathLike, dt: float | None = None) -> int:
    """Write ``graph`` as netx HDF5 at ``path`` atomically (see the module docstring); returns
    the number of conv/dense layers written."""
    _check_structure(graph)
    try:
        qgraph = quantize_loihi(graph, dt)
    except ValueError as exc:
        raise UnsupportedError(f"cannot quantise to Loihi formats: {exc}") from exc
    topo = topology(qgraph)
    layers = netx_layers(qgraph, topo)
    for layer in layers:
        if layer.neuron is not None:
            _check_values(qgraph, layer.synapse, layer.neuron)
    # Built in memory, written with plain Python I/O: HDF5 writing straight to a full disk
    # crashes the interpreter (SIGSEGV when h5py frees the failed file).
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        _write(f, qgraph, topo, layers)
    write_bytes(path, buffer.getbuffer())
    return sum(layer.neuron is not None for layer in layers)


def _check_structure(graph: nir.NIRGraph) -> None:
    """Refuse, on the float graph, what netx has no layer for (before quantising)."""
    topo = topology(graph)
    for name in topo.order:
        if len(topo.preds[name]) > 1 or len(topo.succs[name]) > 1:
            raise UnsupportedError(f"node '{name}': netx networks are sequential (no residuals)")
        if isinstance(graph.nodes[name], POOLS):
            raise UnsupportedError(f"node '{name}': netx has no pooling layer")


def netx_layers(graph: nir.NIRGraph, topo: Topology) -> list[NetxLayer]:
    """The netx layers of a quantised sequential graph, or UnsupportedError naming the node."""
    chain = [n for n in topo.order if n not in (topo.input_name, topo.output_name)]
    layers: list[NetxLayer] = []
    i = 0
    while i < len(chain):
        name, node = chain[i], graph.nodes[chain[i]]
        if isinstance(node, nir.Flatten):
            if len(topo.shapes[name]) != 1:
                raise UnsupportedError(f"node '{name}': netx only flattens to a vector")
            layers.append(NetxLayer("flatten", name))
            i += 1
            continue
        following = chain[i + 1] if i + 1 < len(chain) else None
        if not isinstance(node, SYNAPSES):
            raise UnsupportedError(f"node '{name}': {type(node).__name__} has no netx layer")
        if following is None or not isinstance(graph.nodes[following], NEURONS):
            raise UnsupportedError(f"node '{name}': netx needs a spiking neuron after each layer "
                                   "(a non-spiking readout cannot be written)")
        layers.append(NetxLayer("conv" if isinstance(node, nir.Conv2d) else "dense",
                                name, following))
        i += 2
    return layers


def _check_values(graph: nir.NIRGraph, synapse: str, neuron: str) -> None:
    params = graph.nodes[neuron].metadata[LOIHI]
    if np.any(params["v_init"] != 0):
        raise UnsupportedError(f"node '{neuron}': netx cannot start from an initial potential")
    if graph.nodes[synapse].metadata[LOIHI]["weight_exp"] != 0:
        raise UnsupportedError(f"node '{synapse}': needs a weight exponent, netx chooses its own")
    bias = np.asarray(params["bias_mant"]) * 2 ** int(params["bias_exp"])
    if np.any(np.mod(bias, 2**NETX_BIAS_EXP)):
        raise UnsupportedError(f"node '{neuron}': its quantised bias is not a multiple of 64 "
                               "(netx's fixed bias exponent)")


def _write(f: h5py.File, graph: nir.NIRGraph, topo: Topology, layers: list[NetxLayer]) -> None:
    in_shape = topo.shapes[topo.input_name]
    if layers and layers[0].kind == "flatten":  # a flat input vector in torch (CHW) order
        in_shape, layers = (int(np.prod(in_shape)),), layers[1:]
    f.create_dataset("layer/0/type", data="input")
    f.create_dataset("layer/0/shape", data=np.array(in_shape))
    for i, layer in enumerate(layers, start=1):
        group = f.create_group(f"layer/{i}")
        group.create_dataset("type", data=layer.kind)
        if layer.kind == "flatten":
            continue
        synapse, neuron = graph.nodes[layer.synapse], graph.nodes[layer.neuron]
        shape = topo.shapes[layer.neuron]
        group.create_dataset("shape", data=np.array(shape))
        group.create_dataset("weight", data=np.asarray(synapse.weight, dtype=np.int64))
        if layer.kind == "conv":
            _write_geometry(group, synapse)
        group.create_dataset("bias", data=_bias(neuron.metadata[LOIHI], shape))
        _write_cuba(group.create_group("neuron"), neuron.metadata[LOIHI])


def _write_geometry(group: h5py.Group, conv: nir.Conv2d) -> None:
    geo = conv_geometry(conv)
    for key in ("stride", "padding", "dilation"):
        group.create_dataset(key, data=np.array(geo[key]))  # (y, x): netx reverses it
    group.create_dataset("groups", data=int(conv.groups))


def _bias(params: dict, shape: tuple[int, ...]) -> np.ndarray:
    """netx bias mantissas: one per channel when constant inside each channel, else per neuron
    in netx's WHC order."""
    bias = np.broadcast_to(np.asarray(params["bias_mant"]) * 2 ** int(params["bias_exp"]), shape)
    bias = (bias // 2**NETX_BIAS_EXP).astype(np.int64)
    if len(shape) == 1:
        return bias
    per_channel = bias.reshape(shape[0], -1)
    if np.all(per_channel == per_channel[:, :1]):
        return per_channel[:, 0].copy()
    return bias.transpose(2, 1, 0).copy()


def _write_cuba(group: h5py.Group, params: dict) -> None:
    for key, value in (("type", "CUBA"), ("iDecay", params["du"] + 1), ("vDecay", params["dv"]),
                       ("vThMant", params["vth"]), ("refDelay", 1), ("gradedSpike", 0)):
        group.create_dataset(key, data=value)
