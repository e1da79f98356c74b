"""The ONNX step looped in onnxruntime equals the reference backend: spikes identical, readout
within the float32 tolerance of tests/tolerances.py, on hand-built graphs and on exported snn2hw
models (IMP initial potentials set)."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from snn2hw.backend import RunConfig
from snn2hw.backends.onnx import OnnxBackend, export_onnx
from snn2hw.backends.reference import simulate
from snn2hw.ir.graph_utils import graph_input_shape
from snn2hw.ir.metadata import V_INIT

from ...exported import exported_graph
from ...tolerances import TOL
from . import graphs

T = 4


def _compare(graph, x: np.ndarray, min_rate: float = 0.01) -> None:
    backend = OnnxBackend()
    backend.compile(graph, RunConfig(record=True))
    got, ref = backend.run(x), simulate(graph, x, record=True)
    assert backend.step.spiking, "no spiking neuron: the test would be vacuous"
    for name in backend.step.spiking:
        assert ref.records[name].mean() >= min_rate, f"{name} hardly fires: vacuous"
        np.testing.assert_array_equal(got.records[name], ref.records[name], err_msg=name)
        np.testing.assert_allclose(got.records[name + ".v"], ref.records[name + ".v"],
                                   **TOL["onnx_float32_potential"], err_msg=name)
    assert got.output.shape == ref.output.shape
    np.testing.assert_allclose(got.output, ref.output, **TOL["onnx_float32"])


def _inputs(graph, batch: int = 3, static: bool = False, high: float = 1.5) -> np.ndarray:
    shape = graph_input_shape(graph)
    x = np.random.default_rng(1).uniform(0, high, (T, batch, *shape)).astype(np.float32)
    return np.broadcast_to(x[:1], x.shape).copy() if static else x


@pytest.mark.parametrize("build", [graphs.conv_net, graphs.residual_net,
                                   lambda: graphs.residual_net(reset="subtract")],
                         ids=["conv-lif-pool", "residual-fan-in", "subtract-reset"])
def test_hand_built_graphs_agree_with_reference(build):
    graph = build()
    _compare(graph, _inputs(graph))


@pytest.mark.parametrize("arch, shape, config", [
    ("digits-mlp", [1, 8, 8], {"hidden": 32, "v_threshold": 0.3}),
    ("digits-cnn", [1, 8, 8], {"channels": 4, "v_threshold": 0.3}),
    ("vgg11-dvs48", [2, 48, 48], {"v_threshold": 0.3, "imp": True}),
    ("sew18", [3, 32, 32], {"input_size": 32, "v_threshold": 0.3}),
])
def test_exported_models_agree_with_reference(arch, shape, config):
    graph = exported_graph(arch, shape, T, **config)
    static = arch != "vgg11-dvs48"  # the DVS model takes a time series
    imp = [n for n in graph.nodes.values() if V_INIT in n.metadata]
    if arch != "sew18":
        assert imp and np.any(imp[0].metadata[V_INIT] != 0), "IMP should be exercised"
    _compare(graph, _inputs(graph, batch=2, static=static), min_rate=0.001)


def test_a_plain_onnxruntime_loop_follows_the_documented_protocol():
    """Stepping the file by hand as docs/onnx.md describes gives the reference output."""
    graph = graphs.conv_net()
    model = export_onnx(graph)
    x = _inputs(graph, batch=2)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    neurons = [i.name[2:] for i in model.graph.input if i.name.startswith("v.")]
    assert neurons == ["lif1", "if2"]
    states = {f"v.{n}": np.broadcast_to(init[f"v_init.{n}"], (2, *init[f"v_init.{n}"].shape))
              for n in neurons}
    outputs = []
    for t in range(T):
        y, *new = session.run(["y"] + [f"v_next.{n}" for n in neurons], {"x": x[t], **states})
        states = {f"v.{n}": v for n, v in zip(neurons, new)}
        outputs.append(y)
    np.testing.assert_allclose(np.stack(outputs), simulate(graph, x).output, **TOL["onnx_float32"])
