"""The ``snn2hw map`` verb: a NIR graph's resources on a neuromorphic chip, layer by layer, as
plain values (snake_case keys, numbers as numbers) for the table and ``--json``."""

from __future__ import annotations

import math
import os

import nir

from snn2hw.errors import BadInputError, about
from snn2hw.hw.loihi2 import chip_limits
from snn2hw.hw.partition import place
from snn2hw.hw.resources import populations
from snn2hw.ir import metadata
from snn2hw.ir.io import read_graph

CONVENTIONS = (
    "a layer is a neuron population with the synapse nodes feeding it; a synapse node feeding "
    "no neuron gets a relay (graded spikes) or readout population of its output size",
    "synapses are dense: a convolution output has C_in/groups x kH x kW (padding included), "
    "zero weights count, no kernel sharing; one copy per source of a summed input",
    "synaptic memory = synapses x weight bits (payload only: no index or header bits)",
    "one core holds one layer; the graph input comes from the host and takes no core",
)


def map_graph(graph: nir.NIRGraph, target: str = "loihi2") -> dict:
    """Per-layer resources, totals and the chip's limits (see :mod:`snn2hw.hw.partition`)."""
    chip = chip_limits(target)
    pops = populations(graph, chip.weight_bits)
    if not pops:
        raise BadInputError("the graph has no synapse node (Affine, Linear, Conv2d, pool)")
    placed = place(pops, chip)
    layers = []
    for pop in pops:
        where = placed[pop.name]
        layers.append({
            "name": pop.name, "kind": pop.kind, "synapse_nodes": [s.name for s in pop.synapses],
            "neurons": pop.neurons, "synapses": pop.synapse_count,
            "weight_bits": pop.weight_bits, "synaptic_memory_bits": pop.synaptic_bits,
            "fan_in": pop.fan_in, "fan_out": pop.fan_out, "cores": where.cores,
            "neurons_per_core": where.neurons_per_core,
            "in_axons_per_core": where.in_axons_per_core,
            "out_axons_per_core": where.out_axons_per_core,
            "tile": list(where.tile) if where.tile else None, "problems": where.problems,
        })
    cores = sum(placed[pop.name].cores for pop in pops)
    problems = [f"{pop.name}: {p}" for pop in pops for p in placed[pop.name].problems]
    chips = math.ceil(cores / chip.cores_per_chip)
    totals = {
        "neurons": sum(pop.neurons for pop in pops),
        "synapses": sum(pop.synapse_count for pop in pops),
        "synaptic_memory_bits": sum(pop.synaptic_bits for pop in pops),
        "cores": cores, "chips": chips, "mappable": not problems,
        "fits_one_chip": not problems and chips <= 1,
    }
    limits = {
        "cores_per_chip": chip.cores_per_chip, "neurons_per_core": chip.neurons_per_core,
        "memory_bits_per_core": chip.memory_bits,
        "state_bits_per_neuron": chip.state_bits_per_neuron,
        "in_axons_per_core": chip.in_axons_per_core,
        "out_axons_per_core": chip.out_axons_per_core, "weight_bits": chip.weight_bits,
    }
    quantised = metadata.graph_value(graph, metadata.LOIHI_PRECISION) == "fixed"
    return {"target": chip.name, "quantised": quantised, "layers": layers, "totals": totals,
            "problems": problems, "limits": limits, "sources": list(chip.sources),
            "assumptions": list(chip.assumptions), "conventions": list(CONVENTIONS)}


def map_file(path: str | os.PathLike, target: str = "loihi2") -> dict:
    """:func:`map_graph` of the ``.nir`` file at ``path``; errors name the file."""
    with about(path):
        summary = map_graph(read_graph(path), target)
    return {"source": str(path), **summary}
