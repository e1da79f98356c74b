"""The training LIF leaks toward v_reset, not toward 0 (SpikingJelly's decay_input update
``v <- v + (x - (v - v_reset)) / tau``), by hand."""

from __future__ import annotations

import pytest
import torch

from snn2hw.nn.neurons import LIFNode


def test_lif_leaks_toward_a_non_zero_v_reset():
    """tau = 2, v_reset = -0.5 (the start), x = 1: v = -0.5 + (1 - 0) / 2 = 0.0, then
    0 + (1 - 0.5) / 2 = 0.25, then 0.25 + (1 - 0.75) / 2 = 0.375 (below v_th = 1)."""
    node = LIFNode(tau=2.0, v_reset=-0.5)
    node.store_v = True
    spikes = node(torch.ones(3, 1, 1, dtype=torch.float64))
    assert spikes.flatten().tolist() == [0, 0, 0]
    assert node.v_seq.flatten().tolist() == pytest.approx([0.0, 0.25, 0.375])
