"""Write a NIR graph as a lava-dl netx HDF5 network (``lava.lib.dl.netx.hdf5.Network``).

netx runs strictly sequential networks (research/nir_lava.md §6): an input shape, then ``conv``
and ``dense`` layers, each a synapse followed by a CUBA neuron, with ``flatten`` markers between
them. What netx cannot hold but can be expressed equivalently is rewritten first:

- a sum/average pool is folded into the convolution or linear layer after it
  (:mod:`.netx_rewrite`);
- a non-spiking readout (the last Affine/Linear, as every digits model has) is a ``dense`` layer
  whose neuron never fires and keeps no state: ``iDecay = vDecay = 4096`` clear current and
  voltage every step, so its ``v`` at step t is ``64 (W s(t) + bias)``, i.e. 64 layer-scale
  units of our readout; the largest reachable ``|W s + bias|`` must stay below the threshold;
- biases are moved to netx's grid: netx fixes ``bias_exp = 6`` (whole weight units), ours
  resolve 1/64 of that, so they are rounded (a warning says how many moved).

The graph is then quantised with :func:`snn2hw.passes.quantize_loihi.quantize_loihi`;
:func:`netx_graph` returns exactly the integers the file holds, as a quantised graph our Lava
backend runs as written (the tests compare both spike for spike). Conv2d -> ``conv`` (torch
OIHW kernel, strides as (y, x); netx flips and transposes it to Lava's WHC itself),
Affine/Linear -> ``dense`` (columns in torch CHW order, as netx flattens a conv output), IF/LIF ->
CUBA (``iDecay = du + 1``, ``vDecay = dv``, ``vThMant = vth``).

Graded (non-spike) inputs need ``Network(..., input_message_bits=24)`` when loading.
What remains (residual fan-in/out, initial potentials (IMP), weight exponents, other node types)
is refused with a :class:`ConstraintError` that lists every problem, each naming its node;
nothing is written.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass

import h5py
import nir
import numpy as np

from snn2hw.atomic import write_bytes
from snn2hw.errors import ConstraintError, Snn2hwWarning, UnsupportedError
from snn2hw.passes.fold_loihi import LOIHI
from snn2hw.passes.loihi_graph import NEURONS, POOLS, SYNAPSES, Topology, conv_geometry, topology
from snn2hw.passes.quantize_loihi import quantize_loihi

from .netx_rewrite import fold_pools

NETX_BIAS_EXP = 6  # netx fixes bias_exp (lava/lib/dl/netx/hdf5.py, get_neuron_params)
NETX_VTH_MAX = 2**17 - 1  # vThMant is 17 bits
BIAS_MANT_MAX = 2**12 - 1  # Loihi's 13-bit signed bias mantissa
READOUT_NEURON = {"type": "CUBA", "iDecay": 4096, "vDecay": 4096, "vThMant": NETX_VTH_MAX,
                  "refDelay": 1, "gradedSpike": 0}


@dataclass(frozen=True)
class NetxLayer:
    """One netx layer: ``kind`` is conv, dense or flatten; ``synapse``/``neuron`` NIR names
    (``neuron`` None for the non-spiking readout)."""

    kind: str
    synapse: str
    neuron: str | None = None


def export_netx(graph: nir.NIRGraph, path: str | os.PathLike, dt: float | None = None) -> int:
    """Write ``graph`` as netx HDF5 at ``path`` atomically (see the module docstring); returns
    the number of conv/dense layers written."""
    qgraph, layers = netx_graph(graph, dt)
    topo = topology(qgraph)
    # Built in memory, written with plain Python I/O: HDF5 writing straight to a full disk
    # crashes the interpreter (SIGSEGV when h5py frees the failed file).
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        _write(f, qgraph, topo, layers)
    write_bytes(path, buffer.getbuffer())
    return sum(layer.kind != "flatten" for layer in layers)


def netx_graph(graph: nir.NIRGraph, dt: float | None = None
               ) -> tuple[nir.NIRGraph, list[NetxLayer]]:
    """The quantised graph a netx file of ``graph`` holds (pools folded, biases on netx's grid)
    and its netx layers; :class:`ConstraintError` lists every problem when there are any."""
    graph, problems = fold_pools(graph)
    problems += _structure_problems(graph)
    try:
        qgraph = quantize_loihi(graph, dt)
    except (ValueError, UnsupportedError) as exc:
        raise ConstraintError(problems + [f"cannot quantise to Loihi formats: {exc}"]) from exc
    topo = topology(qgraph)
    layers, layer_problems = netx_layers(qgraph, topo)
    problems += layer_problems
    for layer in layers:
        if layer.kind != "flatten":
            problems += _value_problems(qgraph, layer)
    if problems:
        raise ConstraintError(list(dict.fromkeys(problems)))
    _round_biases(qgraph, layers)
    return qgraph, layers


def _structure_problems(graph: nir.NIRGraph) -> list[str]:
    """What netx has no layer for, on the float graph (after folding pools)."""
    topo = topology(graph)
    problems = []
    for name in topo.order:
        if len(topo.preds[name]) > 1 or len(topo.succs[name]) > 1:
            problems.append(f"node '{name}': netx networks are sequential (no residuals)")
        elif isinstance(graph.nodes[name], POOLS):
            pass  # reported by fold_pools
    return problems


def netx_layers(graph: nir.NIRGraph, topo: Topology) -> tuple[list[NetxLayer], list[str]]:
    """The netx layers of a quantised sequential graph, and the problems (naming nodes)."""
    chain = [n for n in topo.order if n not in (topo.input_name, topo.output_name)]
    layers: list[NetxLayer] = []
    problems: list[str] = []
    i = 0
    while i < len(chain):
        name, node = chain[i], graph.nodes[chain[i]]
        following = chain[i + 1] if i + 1 < len(chain) else None
        if isinstance(node, nir.Flatten):
            if len(topo.shapes[name]) != 1:
                problems.append(f"node '{name}': netx only flattens to a vector")
            layers.append(NetxLayer("flatten", name))
            i += 1
        elif not isinstance(node, SYNAPSES):
            problems.append(f"node '{name}': {type(node).__name__} has no netx layer")
            i += 1
        elif following is not None and isinstance(graph.nodes[following], NEURONS):
            layers.append(NetxLayer(_kind(node), name, following))
            i += 2
        elif following is None and isinstance(node, (nir.Affine, nir.Linear)):
            layers.append(NetxLayer("dense", name))  # the non-spiking readout
            i += 1
        else:
            problems.append(f"node '{name}': netx needs a spiking neuron after each layer "
                            "but the last linear readout")
            i += 1
    return layers, problems


def _kind(node) -> str:
    return "conv" if isinstance(node, nir.Conv2d) else "dense"


def _value_problems(graph: nir.NIRGraph, layer: NetxLayer) -> list[str]:
    problems = []
    synapse = graph.nodes[layer.synapse]
    if synapse.metadata[LOIHI].get("weight_exp", 0) != 0:
        problems.append(f"node '{layer.synapse}': needs a weight exponent, netx chooses its own")
    if layer.neuron is None:
        bias = _readout_bias(synapse)
        reach = np.abs(np.asarray(synapse.weight)).sum(axis=1) + np.abs(bias)
        if np.any(reach > NETX_VTH_MAX) or np.any(np.abs(bias) > BIAS_MANT_MAX):
            problems.append(f"node '{layer.synapse}': the readout can reach "
                            f"{int(reach.max())}, beyond netx's largest threshold "
                            f"{NETX_VTH_MAX} or bias {BIAS_MANT_MAX}")
        return problems
    params = graph.nodes[layer.neuron].metadata[LOIHI]
    if np.any(params["v_init"] != 0):
        problems.append(f"node '{layer.neuron}': netx cannot start from an initial potential "
                        "(train with --no-imp)")
    if np.any(np.abs(_netx_bias(params)) > BIAS_MANT_MAX):
        problems.append(f"node '{layer.neuron}': its bias exceeds netx's 13-bit mantissa at "
                        "bias_exp 6")
    return problems


def _netx_bias(params: dict) -> np.ndarray:
    """A neuron's bias in netx mantissas (whole weight units, ``bias_exp = 6``), rounded."""
    bias = np.asarray(params["bias_mant"], dtype=np.float64) * 2.0 ** int(params["bias_exp"])
    return np.rint(bias / 2**NETX_BIAS_EXP).astype(np.int64)


def _readout_bias(synapse) -> np.ndarray:
    """The readout's float bias in its layer-scale units, rounded (netx adds it on the chip)."""
    bias = np.asarray(getattr(synapse, "bias", 0.0), dtype=np.float64)
    scale = float(synapse.metadata[LOIHI].get("scale_out", 1.0))
    return np.broadcast_to(np.rint(bias * scale), (np.shape(synapse.weight)[0],)).astype(np.int64)


def _round_biases(graph: nir.NIRGraph, layers: list[NetxLayer]) -> None:
    """Put every neuron's bias on netx's grid in ``graph`` (in place), warning if any moved."""
    moved = 0
    for layer in layers:
        if layer.neuron is None:
            continue
        params = graph.nodes[layer.neuron].metadata[LOIHI]
        mant = _netx_bias(params)
        before = np.asarray(params["bias_mant"], dtype=np.float64) * 2.0 ** params["bias_exp"]
        moved += int(np.count_nonzero(mant * 2**NETX_BIAS_EXP != before))
        params["bias_mant"], params["bias_exp"] = mant.astype(np.float64), NETX_BIAS_EXP
    if moved:
        warnings.warn(f"netx: {moved} neuron biases rounded to whole weight units (netx fixes "
                      "bias_exp = 6)", Snn2hwWarning, stacklevel=3)


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
        synapse = graph.nodes[layer.synapse]
        shape = topo.shapes[layer.neuron or layer.synapse]
        group.create_dataset("shape", data=np.array(shape))
        group.create_dataset("weight", data=np.asarray(synapse.weight, dtype=np.int64))
        if layer.kind == "conv":
            _write_geometry(group, synapse)
        if layer.neuron is None:
            group.create_dataset("bias", data=_readout_bias(synapse))
            _write_neuron(group.create_group("neuron"), READOUT_NEURON)
            continue
        params = graph.nodes[layer.neuron].metadata[LOIHI]
        group.create_dataset("bias", data=_bias(params, shape))
        _write_neuron(group.create_group("neuron"), {
            "type": "CUBA", "iDecay": params["du"] + 1, "vDecay": params["dv"],
            "vThMant": params["vth"], "refDelay": 1, "gradedSpike": 0})


def _write_geometry(group: h5py.Group, conv: nir.Conv2d) -> None:
    geo = conv_geometry(conv)
    for key in ("stride", "padding", "dilation"):
        group.create_dataset(key, data=np.array(geo[key]))  # (y, x): netx reverses it
    group.create_dataset("groups", data=int(conv.groups))


def _bias(params: dict, shape: tuple[int, ...]) -> np.ndarray:
    """netx bias mantissas (on netx's grid already): one per channel when constant inside each
    channel, else per neuron in netx's WHC order."""
    bias = np.broadcast_to(_netx_bias(params), shape)
    if len(shape) == 1:
        return bias.copy()
    per_channel = bias.reshape(shape[0], -1)
    if np.all(per_channel == per_channel[:, :1]):
        return per_channel[:, 0].copy()
    return bias.transpose(2, 1, 0).copy()


def _write_neuron(group: h5py.Group, values: dict) -> None:
    for key, value in values.items():
        group.create_dataset(key, data=value)
