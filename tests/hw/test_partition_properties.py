"""Property: the tiles ``place`` picks for a convolution respect every per-core limit and use
as few cores as any tile does (checked by brute force over all tile shapes on small layers)."""

from __future__ import annotations

import dataclasses
import itertools
import math

import nir
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from snn2hw.hw.loihi2 import LOIHI1
from snn2hw.hw.partition import place
from snn2hw.hw.resources import populations

from . import graphs


@st.composite
def conv_layers(draw):
    c_in, c_out = draw(st.integers(1, 4)), draw(st.integers(1, 6))
    k, stride = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    size = draw(st.integers(k, 7))
    padding = draw(st.integers(0, k // 2))
    out = (size + 2 * padding - k) // stride + 1
    g = graphs.graph([c_in, size, size], {
        "c": graphs.conv(c_out, c_in, k, stride=stride, padding=padding, size=(size, size)),
        "n": graphs.if_node((c_out, out, out))}, [("input", "c"), ("c", "n"), ("n", "output")],
        [c_out, out, out])
    chip = dataclasses.replace(LOIHI1, neurons_per_core=draw(st.integers(1, 40)),
                               memory_bits=draw(st.integers(8 * c_in * k * k, 4000)),
                               in_axons_per_core=draw(st.integers(1, 200)))
    return g, chip, (c_in, c_out, k, stride, size, out)


def axons(c_in: int, k: int, stride: int, size: int, th: int, tw: int) -> int:
    return c_in * min(size, (th - 1) * stride + k) * min(size, (tw - 1) * stride + k)


@settings(max_examples=80, deadline=None)
@given(conv_layers())
def test_tiles_respect_the_limits_and_are_optimal(case):
    graph, chip, (c_in, c_out, k, stride, size, out) = case
    placed = place(populations(graph, chip.weight_bits), chip)["n"]
    per_neuron = c_in * k * k * chip.weight_bits
    shapes = [(cc, th, tw) for cc, th, tw in itertools.product(
        range(1, c_out + 1), range(1, out + 1), range(1, out + 1))
        if cc * th * tw <= chip.neurons_per_core
        and cc * th * tw * per_neuron <= chip.memory_bits
        and axons(c_in, k, stride, size, th, tw) <= chip.in_axons_per_core]
    if not shapes:
        assert placed.problems
        return
    assert not placed.problems
    cc, th, tw = placed.tile
    assert cc * th * tw <= chip.neurons_per_core
    assert cc * th * tw * per_neuron <= chip.memory_bits
    assert placed.in_axons_per_core == axons(c_in, k, stride, size, th, tw)
    assert placed.in_axons_per_core <= chip.in_axons_per_core
    assert placed.cores == math.ceil(c_out / cc) * math.ceil(out / th) * math.ceil(out / tw)
    best = min(math.ceil(c_out / a) * math.ceil(out / b) * math.ceil(out / c)
               for a, b, c in shapes)
    assert placed.cores == best
    assert placed.cores >= math.ceil(c_out * out * out / chip.neurons_per_core)


def test_linear_layers_are_cut_into_equal_runs():
    g = graphs.graph([7], {"fc": nir.Linear(np.ones((50, 7))), "n": graphs.if_node(50)},
                     [("input", "fc"), ("fc", "n"), ("n", "output")], [50])
    chip = dataclasses.replace(LOIHI1, neurons_per_core=12)
    placed = place(populations(g, chip.weight_bits), chip)["n"]
    assert (placed.cores, placed.neurons_per_core, placed.in_axons_per_core) == (5, 12, 7)
