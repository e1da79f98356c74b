"""The paper's observation: a non-zero initial membrane potential lets one IF neuron realise
more input->output spike-pattern mappings.

Over 4 steps, an IF neuron (threshold 1, hard reset to 0, fires at v >= 1) receives a binary
pattern scaled by a weight w > 0. For each w it realises a mapping {0,1}^4 -> {0,1}^4; we count
the distinct mappings as w varies. With v0 = 0 the neuron fires on every k-th input spike, k =
ceil(1/w): k = 1, 2, 3, 4 or never -> 5 mappings. With v0 = 0.25 the first spike needs
k1 = ceil(0.75/w) inputs and later ones k2 = ceil(1/w): (k1, k2) = (1,1), (1,2), (2,2), (2,3),
(3,3)~(3,4) (identical within 4 inputs), (4,-), never -> 7 mappings.
"""

from __future__ import annotations

import itertools

import torch

from snn2hw.nn.neurons import IFNode

PATTERNS = torch.tensor(list(itertools.product([0.0, 1.0], repeat=4)), dtype=torch.float64)


def count_mappings(v0: float) -> int:
    node = IFNode(imp_shape=(1,))
    with torch.no_grad():
        node.init_state.fill_(v0)
    weights = torch.arange(1, 2001, dtype=torch.float64) / 1000 + 1e-7  # 0.001..2, off ties
    x = PATTERNS.T[:, :, None] * weights[None, None, :]  # [T=4, 16 patterns, n weights]
    spikes = node(x.reshape(4, -1, 1)).reshape(4, 16, len(weights))
    tables = {tuple(spikes[:, :, i].flatten().tolist()) for i in range(len(weights))}
    return len(tables)


def test_zero_initial_potential_realises_five_mappings():
    assert count_mappings(0.0) == 5


def test_initial_potential_quarter_realises_seven_mappings():
    assert count_mappings(0.25) == 7
