"""Inputs built to drive every wrap and saturation path of Loihi's integer arithmetic, against
Lava's own ``fixed_pt`` models on tiny graphs (3 steps), with the expected spikes derived by
hand from Lava's equations (lava/proc/lif/models.py, lava/proc/conv/models.py):

- the current ``u = a_in << 6`` wraps once where ``u > 2^23`` (``u - 2^24``) or ``u <= -2^23``
  (``u + 2^24``): exactly ``+2^23`` stays, exactly ``-2^23`` becomes ``+2^23``;
- the voltage saturates at ``±(2^23 - 1)``;
- a Conv's accumulation wraps to 24 signed bits before it reaches the neuron.
"""

from __future__ import annotations

import nir
import numpy as np
import pytest

from snn2hw.backend import RunConfig
from snn2hw.backends.fixed import FixedBackend
from snn2hw.ir.metadata import DT
from snn2hw.passes.fold_loihi import LOIHI
from snn2hw.passes.quantize_loihi import quantize_loihi
from snn2hw.registry import create_backend
from tests.backends.fixed.test_loihi_backend import lif_graph

# every result here is changed by overflow on purpose: the backends' warning is expected
pytestmark = [pytest.mark.lava, pytest.mark.filterwarnings("ignore::snn2hw.errors.Snn2hwWarning")]
STEPS = 3


def _graph(synapse: nir.NIRNode, in_shape, shape, v_th: float) -> nir.NIRGraph:
    ones = np.ones(shape)
    nodes = {"input": nir.Input(np.array(in_shape)), "syn": synapse,
             "n": nir.IF(r=ones, v_threshold=ones * v_th, v_reset=ones * 0),
             "output": nir.Output(np.array(shape))}
    edges = [("input", "syn"), ("syn", "n"), ("n", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={DT: 1.0})


def _both(graph: nir.NIRGraph, x: np.ndarray) -> tuple[np.ndarray, dict, np.ndarray]:
    """Lava fixed_pt's spikes (asserted equal to the fixed backend's), the fixed counters and
    the fixed potentials (after reset)."""
    lava = create_backend("lava")
    lava.compile(graph, RunConfig(precision="fixed"))
    expected = lava.run(x).output
    fixed = FixedBackend()
    fixed.compile(graph, RunConfig(record=True, extra={"mode": "loihi"}))
    result = fixed.run(x)
    np.testing.assert_array_equal(result.output, expected)
    return expected, fixed.report().events, result.records["n.v"]


def test_current_wrap_boundaries_and_voltage_saturation():
    """Mixed-sign weights: mantissas 254 (grid of 2), so W = [[1, 1/127], [-1, -1/127],
    [1, 2/127]] becomes [[254, 2], [-254, -2], [254, 4]]; input (516, 4) gives a_in = 131072,
    -131072, 131080, i.e. u = +2^23 (no wrap: fires), -2^23 (wraps to +2^23: fires) and
    2^23 + 512 (wraps to -2^23 + 512: v saturates at -(2^23 - 1), never fires)."""
    weight = np.array([[1, 1 / 127], [-1, -1 / 127], [1, 2 / 127]])
    graph = _graph(nir.Affine(weight=weight, bias=np.zeros(3)), [2], [3], v_th=500.0)
    q = quantize_loihi(graph)
    np.testing.assert_array_equal(q.nodes["syn"].weight, [[254, 2], [-254, -2], [254, 4]])
    assert q.nodes["n"].metadata[LOIHI]["vth"] == 127000  # << 6 = 8128000 < 2^23 - 1
    x = np.broadcast_to(np.array([516.0, 4.0]), (STEPS, 1, 2)).copy()
    spikes, events, v = _both(graph, x)
    np.testing.assert_array_equal(spikes[:, 0], [[1, 1, 0]] * STEPS)
    assert events["n"]["current_overflow"] > 0 and events["n"]["voltage_saturation"] > 0
    # v = -2^23 + 512, then twice that saturates at Lava's lower limit -(2^23 - 1)
    np.testing.assert_array_equal(v[:, 0, 2], [-(2**23) + 512, -(2**23 - 1), -(2**23 - 1)])


def test_conv_accumulation_wraps_to_24_bits():
    """A 1x1 conv of weight 1 (mantissa 255), v_th = 1 (vth 255): per pixel the accumulation
    255 * x, 24-bit wrapped, then u = a_in << 6 wrapped once, v saturated:
    x = 100 -> 25500, u = 1632000: fires;
    x = 40000 -> 10200000 wraps to -6577216 (25 bits would keep it and fire): silent;
    x = 70000 -> 17850000 wraps to 1072784 (25 bits: -15704432, silent): u wraps once to a
    large positive value, v saturates: fires;
    x = 33000 -> 8415000 wraps to -8362216: silent."""
    conv = nir.Conv2d(input_shape=(2, 2), weight=np.ones((1, 1, 1, 1)), stride=1, padding=0,
                      dilation=1, groups=1, bias=np.zeros(1))
    graph = _graph(conv, [1, 2, 2], [1, 2, 2], v_th=1.0)
    pixels = np.array([[100.0, 40000.0], [70000.0, 33000.0]])
    x = np.broadcast_to(pixels, (STEPS, 1, 1, 2, 2)).copy()
    spikes, events, _ = _both(graph, x)
    np.testing.assert_array_equal(spikes[:, 0, 0].reshape(STEPS, 4), [[1, 0, 1, 0]] * STEPS)
    assert events["syn"]["accumulator_overflow"] > 0


def test_voltage_saturation_with_a_voltage_decay():
    """A hand-quantised LIF (dv = 2048: half of v kept per step), weight -250, input 500:
    u = -125000 << 6 = -8000000 each step; v = -8000000, then trunc(-8000000 / 2) - 8000000 =
    -12000000, saturated at -(2^23 - 1), and again."""
    graph = lif_graph(weight=-250, du=4095, dv=2048, vth=1)
    x = np.full((STEPS, 1, 1), 500.0)
    lava = create_backend("lava")
    lava.compile(graph, RunConfig(precision="fixed"))
    fixed = FixedBackend()
    fixed.compile(graph, RunConfig(record=True))
    result = fixed.run(x)
    np.testing.assert_array_equal(result.output, lava.run(x).output)
    np.testing.assert_array_equal(result.records["lif.v"][:, 0, 0],
                                  [-8000000, -(2**23 - 1), -(2**23 - 1)])
    assert fixed.report().events["lif"]["voltage_saturation"] == 2
