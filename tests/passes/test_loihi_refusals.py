"""quantize_loihi names every node that does not fit Loihi's formats, all at once."""

from __future__ import annotations

import numpy as np
import pytest

from snn2hw.passes.quantize_loihi import quantize_loihi
from tests.backends.fixed import graphs


def test_every_node_that_needs_too_large_a_weight_exponent_is_named_at_once():
    g = graphs.mlp(np.random.default_rng(0), sizes=(64, 32, 16, 10))  # populations n0, n1
    with pytest.raises(ValueError) as caught:
        quantize_loihi(g, scale=2.0**20)  # every weight then needs an exponent above 7
    message = str(caught.value)
    assert "node 'n0': its synapse 'fc0': weights need a weight exponent" in message
    assert "node 'n1': its synapse 'fc1'" in message
