"""The reference backend's torch.compile path: the same spikes as the eager run (static and
time-varying inputs, per-neuron IMP), the eager fallback when compilation fails, and the CLI
option. Compiles a digits CNN (a few seconds each)."""

from __future__ import annotations

import warnings

import nir
import numpy as np
import pytest

from snn2hw.backends.reference import Simulator
from snn2hw.backends.reference import compiled as compiled_module
from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.ir.metadata import DT
from snn2hw.nn.architectures import build_model

from ...cli.helpers import cli
from ...frontends.nets import randomize
from .graphs import if_node

T, BATCH = 3, 4


@pytest.fixture(scope="module")
def graph():
    model = randomize(build_model("digits-cnn", T=T, imp=True, v_threshold=0.5), seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)  # the IMP note: expected here
        return torch_to_graph(model.eval(), [1, 8, 8], T)


def _inputs(static: bool) -> np.ndarray:
    rng = np.random.default_rng(0)
    if static:
        return np.broadcast_to(rng.uniform(0, 1, (1, BATCH, 1, 8, 8)), (T, BATCH, 1, 8, 8))
    return rng.uniform(0, 1, (T, BATCH, 1, 8, 8))


@pytest.mark.parametrize("static", [True, False], ids=["static", "sequence"])
def test_compiled_run_equals_eager_run(graph, static):
    x = _inputs(static).astype(np.float32)
    eager = Simulator(graph).run(x).output
    sim = Simulator(graph, compiled=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager would hide the compiled path
        out = sim.run(x).output
    assert sim.compiled is not None and sim.compiled.compiled is not None
    assert eager.std() > 0  # the readout differs between samples: a real comparison
    np.testing.assert_array_equal(out, eager)


def test_failed_compilation_warns_once_and_runs_eagerly(graph, monkeypatch):
    def broken(module, **kw):
        def run(*args):
            raise RuntimeError("no C++ compiler\nsecond line")
        return run

    monkeypatch.setattr(compiled_module.torch, "compile", broken)
    x = _inputs(True).astype(np.float32)
    sim = Simulator(graph, compiled=True)
    with pytest.warns(UserWarning, match=r"torch.compile failed \(RuntimeError: no C\+\+ "
                                         r"compiler\); the reference backend runs eagerly"):
        out = sim.run(x).output
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once: the next run goes straight to eager
        again = sim.run(x).output
    np.testing.assert_array_equal(out, Simulator(graph).run(x).output)
    np.testing.assert_array_equal(again, out)


def test_recording_runs_eagerly_and_cycles_are_never_compiled(graph, monkeypatch):
    monkeypatch.setattr(compiled_module.CompiledRun, "__call__",
                        lambda *a: pytest.fail("the compiled path ran while recording"))
    sim = Simulator(graph, compiled=True)
    records = sim.run(_inputs(True).astype(np.float32), record=True).records
    assert "output" in records
    cyclic = nir.NIRGraph(
        nodes={"input": nir.Input(np.array([2])), "fc": nir.Affine(np.eye(2), np.zeros(2)),
               "n": if_node(2), "rec": nir.Linear(np.eye(2)), "output": nir.Output(np.array([2]))},
        edges=[("input", "fc"), ("fc", "n"), ("n", "rec"), ("rec", "n"), ("n", "output")],
        metadata={DT: 1.0})
    assert Simulator(cyclic, compiled=True).compiled is None


def test_cli_compile(tmp_path, graph):
    from snn2hw.ir.io import write_graph

    path, x_path = tmp_path / "g.nir", tmp_path / "x.npy"
    write_graph(graph, path)
    np.save(x_path, _inputs(False).astype(np.float32))
    eager = cli("run", str(path), "--input", str(x_path), "-o", str(tmp_path / "e.npy"))
    assert eager.exit_code == 0, eager.output
    result = cli("run", str(path), "--input", str(x_path), "--compile",
                    "-o", str(tmp_path / "c.npy"), "--report", "--json")
    assert result.exit_code == 0, result.output
    assert '"compiled": true' in result.output
    np.testing.assert_array_equal(np.load(tmp_path / "c.npy"), np.load(tmp_path / "e.npy"))
    refused = cli("run", str(path), "--input", str(x_path), "--compile", "-b", "fixed")
    assert refused.exit_code == 2
    assert "--compile" in refused.output and "only the reference backend" in refused.output


def test_first_compiled_run_shows_a_status_line_on_stderr(graph, monkeypatch):
    import contextlib

    from rich.console import Console

    from snn2hw.backend import RunConfig
    from snn2hw.backends.reference import ReferenceBackend

    shown = []
    monkeypatch.setattr(Console, "status",
                        lambda self, text, **kw: shown.append((text, self.stderr))
                        or contextlib.nullcontext())
    monkeypatch.setattr(compiled_module.CompiledRun, "__call__",
                        lambda self, x, steps: setattr(self, "used", True) or self.eager(x, steps))
    backend = ReferenceBackend()
    backend.compile(graph, RunConfig(progress=True, extra={"compile": True}))
    x = _inputs(True).astype(np.float32)
    backend.run(x)
    backend.run(x)  # compiled already: no status
    assert len(shown) == 1 and shown[0][1] and "torch.compile: compiling" in shown[0][0]
