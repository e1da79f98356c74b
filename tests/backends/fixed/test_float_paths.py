"""The fast paths that keep integers in float tensors stay exact at their limits."""

from __future__ import annotations

import torch

from snn2hw.backends.fixed.intops import span
from snn2hw.backends.fixed.simulator import _sum


def test_a_fan_in_sum_of_float32_integers_is_float32_only_while_exact():
    small = [torch.tensor([2.0**23 - 1, -5.0]), torch.tensor([2.0**23 - 1, 7.0])]
    total = _sum("n", small)
    assert total.dtype == torch.float32  # the type the neuron or next synapse computes in
    assert total.tolist() == [2**24 - 2, 2]
    large = [torch.tensor([2.0**24 - 1]), torch.tensor([2.0])]  # 2^24 + 1 is no float32
    total = _sum("n", large)
    assert total.dtype == torch.int64 and total.tolist() == [2**24 + 1]


def test_span_reads_any_layout():
    x = torch.arange(-60, 60, dtype=torch.float32).reshape(2, 3, 4, 5)
    nhwc = x.contiguous(memory_format=torch.channels_last)
    assert span(nhwc) == span(x) == (-60, 59)
    assert span(nhwc[:, 1:, :, ::2]) == (-40, 59)  # not dense: read as it is
    assert span(x.transpose(0, 3)) == (-60, 59)
    assert span(x[:0]) == (0, 0)
