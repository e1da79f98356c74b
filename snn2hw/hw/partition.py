"""How many neuro-cores each layer needs under a chip's per-core limits.

The model (one core holds neurons of one layer only, as NengoLoihi places one block per core):

- a core holds at most ``m`` neurons: the per-core neuron limit; what the core's memory holds at
  (incoming synaptic bits + state bits) per neuron; and, where the chip has a fan-out axon
  limit, that limit over the destination cores one neuron reaches;
- a convolutional or pooling layer is cut into rectangular tiles of ``cc`` channels x ``th``
  rows x ``tw`` columns, every size tried (the smallest core count wins, then the fewest input
  axons); a tile needs as input axons every source element in its receptive field, which a
  chip's fan-in axon limit bounds. Other layers are cut into equal runs of neurons; each core
  then needs every input element;
- a neuron reaches one destination core per consumer tile its projective field overlaps
  (every core of a dense consumer). Layers are placed from the output backwards, so each
  layer knows its consumers' tiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .loihi2 import ChipLimits
from .resources import Population, Synapse


@dataclass
class Placement:
    """One layer on the chip."""

    cores: int
    neurons_per_core: int  # most neurons in one core
    in_axons_per_core: int  # most input axons one core needs
    out_axons_per_core: int  # most output axons one core sends
    tile: tuple[int, int, int] | None  # (channels, rows, columns) of a convolutional layer
    problems: list[str] = field(default_factory=list)


def _tileable(pop: Population) -> bool:
    return len(pop.shape) == 3 and all(s.is_conv and s.out_shape == pop.shape
                                       for s in pop.synapses)


def _span(tile: np.ndarray, size_in: int, k: int, s: int, d: int) -> np.ndarray:
    """Input positions along one axis that ``tile`` consecutive outputs read."""
    return np.minimum(size_in, (tile - 1) * s + d * (k - 1) + 1)


def _tile_axons(syn: Synapse, cc: np.ndarray, th: np.ndarray, tw: np.ndarray) -> np.ndarray:
    geo = syn.geometry()
    out_per_group, in_per_group = geo["c_out"] // geo["groups"], geo["c_in"] // geo["groups"]
    channels = np.minimum(geo["groups"], -(-cc // out_per_group)) * in_per_group
    rows = _span(th, syn.in_shape[1], geo["kernel"][0], geo["stride"][0], geo["dilation"][0])
    cols = _span(tw, syn.in_shape[2], geo["kernel"][1], geo["stride"][1], geo["dilation"][1])
    return len(syn.sources) * channels * rows * cols


def _sizes(n: int) -> np.ndarray:
    """Tile sizes worth trying along an axis of ``n``: ``ceil(n / j)``, the smallest size that
    cuts it into ``j`` pieces (a larger one gives as many pieces and more input axons)."""
    return np.unique(-(-n // np.arange(1, n + 1)))


def _tiles(pop: Population, m: int,
           limit: int | None) -> tuple[tuple[int, int, int], int, int, list[str]]:
    """Best tile (cc, th, tw), its core count and input axons, and any problem."""
    channels, height, width = pop.shape
    grid = np.meshgrid(_sizes(channels), _sizes(height), _sizes(width), indexing="ij")
    cc, th, tw = (axis.ravel() for axis in grid)
    ok = cc * th * tw <= m
    cc, th, tw = cc[ok], th[ok], tw[ok]
    axons = sum((_tile_axons(s, cc, th, tw) for s in pop.synapses), np.zeros_like(cc))
    cores = -(-channels // cc) * -(-height // th) * -(-width // tw)
    fits = axons <= limit if limit is not None else np.ones(axons.shape, dtype=bool)
    if fits.any():  # fewest cores, then fewest input axons
        index, problems = np.flatnonzero(fits), []
        best = index[np.lexsort((axons[index], cores[index]))[0]]
    else:  # nothing fits: report the tile closest to fitting
        best = np.lexsort((cores, axons))[0]
        problems = [f"the smallest tile needs {int(axons[best])} input axons, a core "
                    f"receives at most {limit}"]
    tile = (int(cc[best]), int(th[best]), int(tw[best]))
    return tile, int(cores[best]), int(axons[best]), problems


def _reach(syn: Synapse, home: Population, placed: Placement) -> int:
    """Destination cores one source neuron of ``syn`` reaches in ``home``'s placement."""
    if placed.tile is None or not syn.is_conv:
        return placed.cores
    cc, th, tw = placed.tile
    geo = syn.geometry()
    channel_tiles = min(-(-home.shape[0] // cc), -(-(geo["c_out"] // geo["groups"]) // cc))
    spatial = 1
    for cover, size, t in zip(syn.cover, home.shape[1:], (th, tw), strict=True):
        spatial *= min(-(-size // t), -(-(cover - 1) // t) + 1) if cover else 0
    return channel_tiles * spatial


def _capacity(pop: Population, chip: ChipLimits, reach: int) -> tuple[int, list[str]]:
    """Most neurons of ``pop`` one core can hold, and why none fits if so."""
    cost = pop.bits_per_neuron + chip.state_bits_per_neuron
    caps = {"neurons": chip.neurons_per_core, "memory": chip.memory_bits // max(cost, 1)}
    if chip.out_axons_per_core is not None and reach:
        caps["out_axons"] = chip.out_axons_per_core // reach
    problems = []
    if caps["memory"] == 0:
        problems.append(f"one neuron needs {cost} bits, a core holds {chip.memory_bits}")
    if caps.get("out_axons", 1) == 0:
        problems.append(f"one neuron reaches {reach} cores, a core sends at most "
                        f"{chip.out_axons_per_core} axons")
    return max(1, min(caps.values())), problems


def place_layer(pop: Population, chip: ChipLimits, reach: int) -> Placement:
    """Cores of one layer whose neurons each reach ``reach`` destination cores."""
    m, problems = _capacity(pop, chip, reach)
    if _tileable(pop):
        tile, cores, axons, more = _tiles(pop, m, chip.in_axons_per_core)
        per_core = tile[0] * tile[1] * tile[2]
    else:
        tile, more = None, []
        cores, per_core = math.ceil(pop.neurons / m), min(m, pop.neurons)
        axons = sum(len(s.sources) * int(np.prod(s.in_shape)) for s in pop.synapses)
        if chip.in_axons_per_core is not None and axons > chip.in_axons_per_core:
            more = [f"fan-in needs {axons} input axons per core, a core receives at most "
                    f"{chip.in_axons_per_core}"]
    return Placement(cores, per_core, axons, per_core * reach, tile, problems + more)


def place(pops: list[Population], chip: ChipLimits) -> dict[str, Placement]:
    """Every layer's placement, from the output backwards (consumers before producers)."""
    home = {syn.name: pop for pop in pops for syn in pop.synapses}
    placed: dict[str, Placement] = {}
    for pop in reversed(pops):
        reach = sum(_reach(s, home[s.name], placed[home[s.name].name]) for s in pop.consumers)
        placed[pop.name] = place_layer(pop, chip, reach)
    return placed
