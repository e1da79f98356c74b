"""``export --dt`` reaches every target: a graph from another tool (no stored dt) is converted
at the user's dt, and the written file records it."""

from __future__ import annotations

import nir
import numpy as np
import pytest
from click.testing import CliRunner

from snn2hw.backend import RunConfig
from snn2hw.backends.onnx import OnnxBackend, load_onnx
from snn2hw.backends.reference import simulate
from snn2hw.cli import main
from snn2hw.ir import metadata


def foreign_graph(path) -> None:
    """Affine -> LIF as another tool writes it: no snn2hw metadata, so no dt."""
    n = 3
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(np.array([2])),
               "fc": nir.Affine(weight=np.array([[1.0, 0.5], [0.2, 1.0], [-0.3, 0.8]]),
                                bias=np.zeros(n)),
               "lif": nir.LIF(tau=np.full(n, 2e-3), r=np.ones(n), v_leak=np.zeros(n),
                              v_threshold=np.full(n, 0.4), v_reset=np.zeros(n)),
               "output": nir.Output(np.array([n]))},
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")])
    nir.write(path, graph)


@pytest.mark.parametrize("dt", [1e-3, 2e-4])
def test_onnx_of_a_graph_without_dt_uses_and_records_the_given_dt(tmp_path, dt):
    foreign_graph(tmp_path / "norse.nir")
    result = CliRunner().invoke(main, ["export", str(tmp_path / "norse.nir"), "--to", "onnx",
                                       "--dt", str(dt), "-o", str(tmp_path / "n.onnx")])
    assert result.exit_code == 0, result.output
    step = load_onnx(tmp_path / "n.onnx")
    assert step.metadata[metadata.DT] == dt
    backend = OnnxBackend()
    backend.compile(step, RunConfig(record=True))
    x = np.random.default_rng(0).random((6, 4, 2)).astype(np.float32)
    ours = backend.run(x).output
    reference = simulate(nir.read(tmp_path / "norse.nir"), x, dt=dt).output
    np.testing.assert_allclose(ours, reference, atol=1e-6)
    assert 0 < reference.mean() < 1  # spikes, and dt matters: 1e-3 and 2e-4 differ
