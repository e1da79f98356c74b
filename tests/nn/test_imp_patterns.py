"""The paper's observation: a non-zero initial membrane potential (IMP) lets one IF neuron
realise more input->output spike-pattern mappings.

Definition. Over T = 4 steps an IF neuron (threshold 1, fires at v >= 1, hard reset to 0)
receives a binary pattern b in {0,1}^4 scaled by one weight w > 0 (input w * b_t at step t)
and starts from v0. For a fixed w it realises a mapping M_w: {0,1}^4 -> {0,1}^4 (all 16 input
patterns to their spike trains). We count the distinct mappings M_w as w ranges over
(0, 2] (a grid of 2,000 weights, offset from the exact ties).

Derivation by hand. There is no leak, so only the number of input spikes matters: the neuron
fires on the k1-th input spike, k1 = ceil((1 - v0) / w), and after each reset on every k2-th
further input spike, k2 = ceil(1 / w). Within 4 input spikes a mapping is fixed by (k1, k2),
with k2 irrelevant once k1 + k2 > 4.
- v0 = 0: k1 = k2 = k, and k = 1, 2, 3, 4 or "never" (w < 1/4): 5 mappings.
- v0 = 0.25: k1 = ceil(0.75 / w), k2 = ceil(1 / w):
  w >= 1: (1, 1); [3/4, 1): (1, 2); [1/2, 3/4): (2, 2); [3/8, 1/2): (2, 3);
  [1/4, 3/8): (3, 3) or (3, 4), identical within 4 inputs; [3/16, 1/4): (4, -);
  w < 3/16: never. That is 7 mappings.
The 5 mappings of v0 = 0 are among the 7: k = 1, 2, 3, 4, never equal (1, 1), (2, 2), (3, .),
(4, -) and never. The two new ones, (1, 2) and (2, 3), fire earlier than the periodic neuron
would: only a non-zero initial potential makes the first spike come sooner than the rest.
"""

from __future__ import annotations

import itertools

import torch

from snn2hw.nn.neurons import IFNode

PATTERNS = torch.tensor(list(itertools.product([0.0, 1.0], repeat=4)), dtype=torch.float64)
WEIGHTS = torch.arange(1, 2001, dtype=torch.float64) / 1000 + 1e-7  # 0.001..2, off the ties


def mappings(v0: float) -> set[tuple[float, ...]]:
    """The distinct spike tables (16 patterns x 4 steps) over all weights, starting from v0."""
    node = IFNode(imp_shape=(1,))
    with torch.no_grad():
        node.init_state.fill_(v0)
    x = PATTERNS.T[:, :, None] * WEIGHTS[None, None, :]  # [T=4, 16 patterns, n weights]
    with torch.no_grad():
        spikes = node(x.reshape(4, -1, 1)).reshape(4, 16, len(WEIGHTS))
    return {tuple(spikes[:, :, i].flatten().tolist()) for i in range(len(WEIGHTS))}


def spike_table(k1: int, k2: int) -> tuple[float, ...]:
    """The table of the hand derivation: fire on the k1-th input spike, then every k2-th."""
    table = torch.zeros(4, 16, dtype=torch.float64)
    for p, pattern in enumerate(PATTERNS):
        count, need = 0, k1
        for t in range(4):
            count += int(pattern[t])
            if pattern[t] and count == need:
                table[t, p], count, need = 1.0, 0, k2
    return tuple(table.flatten().tolist())


def test_zero_initial_potential_realises_five_mappings():
    assert len(mappings(0.0)) == 5


def test_initial_potential_quarter_realises_seven_mappings():
    assert len(mappings(0.25)) == 7


def test_the_mappings_are_the_ones_derived_by_hand():
    never = 99
    assert mappings(0.0) == {spike_table(k, k) for k in (1, 2, 3, 4, never)}
    derived = {(1, 1), (1, 2), (2, 2), (2, 3), (3, 3), (3, 4), (4, never), (never, never)}
    assert mappings(0.25) == {spike_table(k1, k2) for k1, k2 in derived}
    assert mappings(0.0) < mappings(0.25)
