"""The Loihi LIF and Dense arithmetic against plain-Python transcriptions of Lava's models and
against the NIR paper's Lava fixed-point trace."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from snn2hw.backends.fixed.neurons import LoihiLif
from snn2hw.backends.fixed.synapses import lava_dense_weights

HALF = 2**23


def lava_lif_python(a_in, du, dv, vth, bias, v0):
    """PyLifModelBitAcc for one neuron in Python integers (lava/proc/lif/models.py)."""
    u, v, spikes, vs = 0, v0, [], []
    for a in a_in:
        prod = u * (4096 - (du + 1))
        u = (1 if prod > 0 else -1) * (abs(prod) >> 12) + (a << 6)
        u = u - 2 * HALF if u > HALF else (u + 2 * HALF if u <= -HALF else u)
        prod = v * (4096 - dv)
        v = (1 if prod > 0 else -1) * (abs(prod) >> 12) + u + bias
        v = max(-(HALF - 1), min(HALF - 1, v))
        fired = v > (vth << 6)
        v = 0 if fired else v
        spikes.append(int(fired))
        vs.append(v)
    return spikes, vs


def _lif(du, dv, vth, bias_mant=0, bias_exp=0, v0=0):
    t = lambda x: torch.tensor([x], dtype=torch.int64)  # noqa: E731
    return LoihiLif(du, dv, vth, t(bias_mant), t(bias_exp), t(v0))


@settings(max_examples=60, deadline=None)
@given(
    a_in=st.lists(st.integers(-2**17, 2**17), min_size=1, max_size=30),
    du=st.integers(0, 4095), dv=st.integers(0, 4095), vth=st.integers(0, 2**17 - 1),
    bias_mant=st.integers(-4096, 4095), bias_exp=st.integers(0, 7),
    v0=st.integers(-(HALF - 1), HALF - 1),
)
def test_loihi_lif_equals_lava_equations(a_in, du, dv, vth, bias_mant, bias_exp, v0):
    lif = _lif(du, dv, vth, bias_mant, bias_exp, v0)
    spikes, vs = lif.run(torch.tensor(a_in, dtype=torch.int64).reshape(-1, 1, 1), record=True)
    want_s, want_v = lava_lif_python(a_in, du, dv, vth, bias_mant << bias_exp, v0)
    assert spikes.flatten().tolist() == want_s
    assert vs.flatten().tolist() == want_v


def test_large_inputs_wrap_the_current_and_are_counted():
    lif = _lif(4095, 0, 2**17 - 1)
    lif.run(torch.tensor([2**17 + 5], dtype=torch.int64).reshape(1, 1, 1))  # (a << 6) > 2^23
    assert int(lif.counters["current_overflow"]) == 1


def test_lava_dense_weight_quirks():
    """Mixed signs at 8 bits drop the LSB (research/nir_lava.md §5.3); single signs clip."""
    assert lava_dense_weights(np.array([3, -3, 5, 1])).tolist() == [2, -4, 4, 0]
    assert lava_dense_weights(np.array([3, 300, 0])).tolist() == [3, 255, 0]
    assert lava_dense_weights(np.array([-3, -300])).tolist() == [-3, -255]
    assert lava_dense_weights(np.array([7, 9]), num_weight_bits=6).tolist() == [4, 8]


def test_nir_paper_lif_trace_of_lava_fixed_point(nir_paper):
    """lif_lava_cpu_fixed.csv (input, v, spike per step) with the paper converter's integers:
    w = int(0.04 * 256) = 10, du = 4095, dv = int(0.04 * 4095) = 163, vth = int(0.1 * 131071) >> 9
    = 25 (research/nir_lava.md §3), and Dense's one step of delay."""
    folder = nir_paper / "01_lif"
    trace = np.loadtxt(folder / "lif_lava_cpu_fixed.csv", delimiter=",")
    spikes_in = np.loadtxt(folder / "lif_input.csv", delimiter=",").astype(np.int64)
    a_in = np.concatenate([[0], spikes_in[:-1]]) * 10  # Dense sends last step's sum
    spikes, vs = _lif(4095, 163, 25).run(torch.as_tensor(a_in).reshape(-1, 1, 1), record=True)
    assert spikes.sum() == 4
    np.testing.assert_array_equal(vs.flatten().numpy(), trace[:, 1])
    np.testing.assert_array_equal(spikes.flatten().numpy(), trace[:, 2])


def _neuron_input(values: list[list[int]], dtype: torch.dtype, static: bool) -> torch.Tensor:
    """``values[n][t]`` as ``a_in [T, 1, C=len(values), 1, 1]`` in ``dtype``, each step in
    channels_last (the layout convolutions hand the neurons); one step when ``static``."""
    steps = 1 if static else len(values[0])
    x = torch.tensor([[row[t] for row in values] for t in range(steps)], dtype=torch.float64)
    x = x.reshape(steps, len(values), 1, 1).contiguous(memory_format=torch.channels_last)
    return x.to(dtype).unsqueeze(1)


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(st.lists(st.integers(-2**17, 2**17), min_size=6, max_size=6), min_size=1,
                    max_size=3),
    du=st.sampled_from([4095, 4095, 0, 1000]), dv=st.sampled_from([0, 3072, 2048, 163, 4095]),
    vth=st.integers(0, 2**17 - 1), bias_mant=st.integers(-4096, 4095),
    bias_exp=st.integers(0, 13), v0=st.integers(-(HALF - 1), HALF - 1),
    dtype=st.sampled_from([torch.float32, torch.float64, torch.int64, torch.int32]),
    static=st.booleans(),
)
# v_init beyond the 24-bit state is not a float32 (2^24 + 1): the membrane must be float64
@example(values=[[0] * 6], du=4095, dv=0, vth=2**17 - 1, bias_mant=-4096, bias_exp=12,
         v0=2**24 + 1, dtype=torch.float32, static=False)
# keep = 3933 is no power of two: float32 rounds 4194305 * 3933 / 4096 up to the next integer
@example(values=[[0] * 6], du=4095, dv=163, vth=2**17 - 1, bias_mant=0, bias_exp=0,
         v0=4194305, dtype=torch.float32, static=False)
def test_every_membrane_type_and_layout_equals_lava_equations(values, du, dv, vth, bias_mant,
                                                              bias_exp, v0, dtype, static):
    """The membrane in float32 (no decay or a power-of-two one: dv = 0, 2048, 3072), float64
    (another decay, or v_init beyond the state) or int32 (a wrapping current), fed by ``a_in``
    of any type and layout, one step repeated or not, is Lava's LIF."""
    lif = _lif(du, dv, vth, bias_mant, bias_exp, v0)
    x = _neuron_input(values, dtype, static)
    spikes, vs = lif.run(x, record=True, steps=len(values[0]))
    for n, row in enumerate(values):
        seq = [row[0]] * len(row) if static else row
        want_s, want_v = lava_lif_python(seq, du, dv, vth, bias_mant << bias_exp, v0)
        assert spikes[:, 0, n].flatten().tolist() == want_s
        assert vs[:, 0, n].flatten().tolist() == want_v
