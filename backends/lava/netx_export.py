"""Write a NIR graph as a lava-dl netx HDF5 network (``lava.lib.dl.netx.hdf5.Network``).

netx runs strictly sequential networks of spiking layers (research/nir_lava.md §6). The graph is
quantised with :func:`snn2hw.passes.quantize_loihi.quantize_loihi` and written as
``layer/0`` (input shape) followed by one ``dense`` layer per Affine/Linear -> IF/LIF pair with a
CUBA neuron (``iDecay = du + 1``, ``vDecay = dv``, ``vThMant = vth``; netx's bias exponent is 6).
Anything else (residual fan-in, pooling, convolutions, a non-spiking readout, an initial
potential) raises :class:`UnsupportedError` naming the node and the reason.
"""

from __future__ import annotations

import os

import h5py
import nir
import numpy as np

from snn2hw.errors import UnsupportedError
from snn2hw.passes.fold_loihi import LOIHI
from snn2hw.passes.loihi_graph import NEURONS, topology
from snn2hw.passes.quantize_loihi import quantize_loihi

NETX_BIAS_EXP = 6  # netx fixes bias_exp (lava/lib/dl/netx/hdf5.py)


def export_netx(graph: nir.NIRGraph, path: str | os.PathLike, dt: float | None = None) -> None:
    """Write ``graph`` as netx HDF5 at ``path`` (see the module docstring)."""
    qgraph = quantize_loihi(graph, dt)
    layers = _dense_layers(qgraph)
    topo = topology(qgraph)
    with h5py.File(path, "w") as f:
        f.create_dataset("layer/0/type", data="input")
        f.create_dataset("layer/0/shape", data=np.array(topo.shapes[topo.input_name]))
        for i, (synapse, neuron) in enumerate(layers, start=1):
            _write_dense(f.create_group(f"layer/{i}"), qgraph.nodes[synapse], qgraph.nodes[neuron])


def _dense_layers(graph: nir.NIRGraph) -> list[tuple[str, str]]:
    """(synapse, neuron) pairs of a sequential Dense/LIF graph, or UnsupportedError."""
    topo = topology(graph)
    for name in topo.order:
        if len(topo.preds[name]) > 1 or len(topo.succs[name]) > 1:
            raise UnsupportedError(f"node '{name}': netx networks are sequential (no residuals)")
    chain = [n for n in topo.order if n not in (topo.input_name, topo.output_name)]
    pairs = list(zip(chain[0::2], chain[1::2]))
    for synapse, neuron in pairs:
        _check_pair(graph, synapse, neuron)
    if len(chain) % 2:
        raise UnsupportedError(f"node '{chain[-1]}': netx needs a spiking neuron after each layer")
    return pairs


def _check_pair(graph: nir.NIRGraph, synapse: str, neuron: str) -> None:
    if not isinstance(graph.nodes[synapse], (nir.Linear, nir.Affine)):
        kind = type(graph.nodes[synapse]).__name__
        raise UnsupportedError(f"node '{synapse}': {kind} is not written to netx (dense only)")
    if not isinstance(graph.nodes[neuron], NEURONS):
        raise UnsupportedError(f"node '{neuron}': netx needs a spiking neuron after '{synapse}'")
    params = graph.nodes[neuron].metadata[LOIHI]
    if np.any(params["v_init"] != 0):
        raise UnsupportedError(f"node '{neuron}': netx cannot start from an initial potential")
    if graph.nodes[synapse].metadata[LOIHI]["weight_exp"] != 0:
        raise UnsupportedError(f"node '{synapse}': needs a weight exponent, netx chooses its own")


def _write_dense(group: h5py.Group, synapse, neuron) -> None:
    params = neuron.metadata[LOIHI]
    bias = np.asarray(params["bias_mant"]) * 2 ** int(params["bias_exp"])
    if np.any(np.mod(bias, 2**NETX_BIAS_EXP)):
        raise UnsupportedError("bias is not a multiple of 64 (netx's fixed bias exponent)")
    group.create_dataset("type", data="dense")
    group.create_dataset("shape", data=np.array([np.shape(synapse.weight)[0]]))
    group.create_dataset("weight", data=np.asarray(synapse.weight, dtype=np.int64))
    group.create_dataset("bias", data=(bias // 2**NETX_BIAS_EXP).astype(np.int64))
    cuba = group.create_group("neuron")
    for key, value in (("type", "CUBA"), ("iDecay", params["du"] + 1), ("vDecay", params["dv"]),
                       ("vThMant", params["vth"]), ("refDelay", 1), ("gradedSpike", 0)):
        cuba.create_dataset(key, data=value)
