"""Dense/Affine through torch._int_mm (int8 x int8 -> int32): the float path's integers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from snn2hw.backend import RunConfig
from snn2hw.backends.fixed import FixedBackend, int8mm, synapses

from . import graphs

pytestmark = pytest.mark.skipif(not hasattr(torch, "_int_mm"), reason="torch has no _int_mm")


def test_int8_weights_factor_the_smallest_power_of_two():
    w8, shift = int8mm.int8_weights(np.array([[3.0, -4.0]]))
    assert (w8.tolist(), shift) == ([[3, -4]], 0)
    w8, shift = int8mm.int8_weights(np.array([[-256.0, 254.0, 2.0]]))  # Loihi's mixed signs
    assert (w8.tolist(), shift, w8.dtype) == ([[-128, 127, 1]], 1, np.int8)
    assert int8mm.int8_weights(np.array([[256.0, 4.0]]))[1] == 2
    assert int8mm.int8_weights(np.array([[255.0, 0.0]])) is None  # odd and beyond int8
    assert int8mm.int8_weights(np.array([[0.5]])) is None
    assert int8mm.int8_weights(np.array([[1e30]])) is None


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 40), k=st.integers(1, 20), n=st.integers(1, 12),
       shift=st.integers(0, 2), spikes=st.booleans(), biased=st.booleans(),
       dtype=st.sampled_from([torch.float32, torch.float64, torch.int64, torch.bool]),
       seed=st.integers(0, 2**16))
def test_int_mm_linear_equals_exact_integers(m, k, n, shift, spikes, biased, dtype, seed):
    """Any shape (padded to CUDA's rules on every device), shift, bias and input type."""
    rng = np.random.default_rng(seed)
    weight = rng.integers(-128, 128, size=(n, k)) * 2**shift
    bias = rng.integers(-1000, 1000, size=n) if biased else None
    low, high = (0, 2) if spikes or dtype == torch.bool else (-128, 128)
    x = rng.integers(low, high, size=(m, k))
    run = int8mm.linear(weight.astype(np.float64), bias, "cpu")
    assert run is not None
    got = run(torch.as_tensor(x).to(dtype))
    want = x @ weight.T + (0 if bias is None else bias)
    assert got.dtype == torch.int32
    np.testing.assert_array_equal(got.numpy(), want)


def _calls(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = torch._int_mm

    def counted(a, b):
        calls.append(1)
        return real(a, b)

    monkeypatch.setattr(torch, "_int_mm", counted)
    return calls


def test_affine_takes_int8_only_for_inputs_within_int8(monkeypatch):
    rng = np.random.default_rng(1)
    weight = rng.integers(-128, 128, size=(5, 9)).astype(np.float64) * 2
    op = synapses.affine(weight, None, "cpu")
    calls = _calls(monkeypatch)
    for x in (rng.integers(0, 2, size=(3, 9)), rng.integers(-128, 128, size=(20, 9)),
              rng.integers(-300, 300, size=(4, 9))):
        got = op(torch.as_tensor(x, dtype=torch.float32))
        assert got.dtype == torch.float32  # the float path's type
        np.testing.assert_array_equal(got.numpy(), x @ weight.T)
    assert len(calls) == 2  # the third input (beyond int8) took the float path


def test_loihi_mlp_is_the_same_with_and_without_int_mm(monkeypatch):
    """A Loihi MLP (every Dense on int8-able weights) end to end, spikes and readout."""
    rng = np.random.default_rng(5)
    g = graphs.mlp(rng, sizes=(64, 32, 10))
    x = graphs.digits_like(rng, steps=5, batch=20, shape=(64,))

    def run():
        backend = FixedBackend()
        backend.compile(g, RunConfig(record=True, extra={"mode": "loihi"}))
        return backend.run(x)

    calls = _calls(monkeypatch)
    fast = run()
    assert len(calls) == 2  # both Dense layers: pixels 0..16 and spikes are within int8
    monkeypatch.setattr(int8mm, "linear", lambda *args: None)
    slow = run()
    np.testing.assert_array_equal(fast.output, slow.output)
    for name, values in slow.records.items():
        np.testing.assert_array_equal(fast.records[name], values, err_msg=name)
