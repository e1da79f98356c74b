"""NIR's strict threshold on every backend: a potential exactly equal to the threshold does not
fire (``v > v_th``), one step more does. The inputs are exact in binary (0.5, 1.0) and, with
an input scale of 4, exact integers on the fixed-point paths, so the tie survives quantisation."""

from __future__ import annotations

import nir
import numpy as np
import pytest

from snn2hw.backend import RunConfig
from snn2hw.ir.metadata import DT
from snn2hw.registry import create_backend
from tests.backends.fixed.test_loihi_backend import lif_graph

FIXED = {"input_scale": 4}
BACKENDS = [
    pytest.param("reference", RunConfig(), id="reference"),
    pytest.param("reference", RunConfig(dtype="float64"), id="reference-float64"),
    pytest.param("onnx", RunConfig(), id="onnx"),
    pytest.param("fixed", RunConfig(extra={"mode": "generic", **FIXED}), id="fixed-generic"),
    pytest.param("fixed", RunConfig(extra={"mode": "loihi", **FIXED}), id="fixed-loihi"),
    pytest.param("fixed", RunConfig(extra={"mode": "loihi", "timing": "lava", **FIXED}),
                 id="fixed-loihi-lava-timing"),
    pytest.param("lava", RunConfig(precision="float"), id="lava-float", marks=pytest.mark.lava),
    pytest.param("lava", RunConfig(precision="fixed", extra=FIXED), id="lava-fixed",
                 marks=pytest.mark.lava),
]


def tie_graph() -> nir.NIRGraph:
    """Input(2) -> Affine(identity) -> IF(v_th = 1, dt = 1) -> Output (the spikes)."""
    nodes = {
        "input": nir.Input(np.array([2])),
        "fc": nir.Affine(weight=np.eye(2), bias=np.zeros(2)),
        "n": nir.IF(r=np.ones(2), v_threshold=np.ones(2), v_reset=np.zeros(2)),
        "output": nir.Output(np.array([2])),
    }
    edges = [("input", "fc"), ("fc", "n"), ("n", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={DT: 1.0})


def test_hand_trace_of_the_tie():
    """v of neuron 0 (x = 0.5): 0.5, 1.0 (= v_th: silent), 1.5 (fires), 0.5, 1.0, 1.5;
    neuron 1 (x = 1.0): 1.0 (silent), 2.0 (fires), 1.0, 2.0, ..."""
    assert EXPECTED[:, 0].tolist() == [0, 0, 1, 0, 0, 1]
    assert EXPECTED[:, 1].tolist() == [0, 1, 0, 1, 0, 1]


EXPECTED = np.array([[0, 0], [0, 1], [1, 0], [0, 1], [0, 0], [1, 1]])


@pytest.mark.parametrize(("backend", "config"), BACKENDS)
def test_equal_to_the_threshold_does_not_fire(backend, config):
    x = np.zeros((6, 1, 2))
    x[:, 0, 0], x[:, 0, 1] = 0.5, 1.0
    engine = create_backend(backend)
    engine.compile(tie_graph(), config)
    np.testing.assert_array_equal(engine.run(x).output[:, 0], EXPECTED)


def _quantised_lif(dv: int) -> nir.NIRGraph:
    """Input -> Linear(1) -> Lava LIF as quantize_loihi writes it: du = 4095, vth = 1 (v > 64)."""
    return lif_graph(weight=1, du=4095, dv=dv, vth=1)


@pytest.mark.parametrize(("backend", "config"), [
    pytest.param("fixed", RunConfig(), id="fixed"),
    pytest.param("lava", RunConfig(precision="fixed"), id="lava-fixed", marks=pytest.mark.lava),
])
@pytest.mark.parametrize("dv", [0, 2048])
def test_integer_tie_with_and_without_a_voltage_decay(backend, config, dv):
    """Input 1 each step: u = 1 << 6 = 64 = vth << 6. dv = 0: v = 64 (tie: silent), 128
    (fires), 64, 128. dv = 2048 (half): v = 64 (silent), 32 + 64 = 96 (fires), 64, 96."""
    engine = create_backend(backend)
    engine.compile(_quantised_lif(dv), config)
    out = engine.run(np.ones((4, 1, 1))).output[:, 0, 0]
    np.testing.assert_array_equal(out, [0, 1, 0, 1])
