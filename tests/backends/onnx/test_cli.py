"""``snn2hw export --to onnx`` and ``snn2hw run model.onnx --backend onnx`` through click."""

from __future__ import annotations

import json

import nir
import numpy as np
import pytest
from click.testing import CliRunner

from snn2hw.backends.reference import simulate
from snn2hw.cli import main
from snn2hw.ir.io import write_graph

from ...tolerances import TOL
from . import graphs


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def exported(tmp_path):
    """A hand-built conv graph as .nir and as .onnx, with a static input batch."""
    graph = graphs.conv_net()
    write_graph(graph, tmp_path / "net.nir")
    result = run("export", tmp_path / "net.nir", "--to", "onnx", "-o", tmp_path / "net.onnx")
    assert result.exit_code == 0, result.output
    assert "ONNX opset 17" in result.output
    x = np.random.default_rng(3).uniform(0, 1.5, (5, 2, 8, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    return graph, tmp_path, x


def test_run_onnx_file_equals_the_reference(exported):
    graph, tmp, x = exported
    result = run("run", tmp / "net.onnx", "--backend", "onnx", "--input", tmp / "x.npy",
                 "-o", tmp / "out.npy", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    ref = simulate(graph, np.broadcast_to(x, (4, *x.shape)))  # the graph's T = 4
    np.testing.assert_allclose(np.load(tmp / "out.npy"), ref.output, **TOL["onnx_float32"])
    assert summary["predictions"] == ref.output[-1].argmax(axis=1).tolist()
    assert summary["readout"] == "last"


def test_onnx_file_on_another_backend_is_one_line_exit_2(exported):
    _, tmp, _ = exported
    result = run("run", tmp / "net.onnx", "--backend", "reference", "--input", tmp / "x.npy")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: {tmp / 'net.onnx'}: an ONNX step runs only with --backend onnx"]


def test_exporting_an_unsupported_graph_names_the_node_and_writes_nothing(tmp_path):
    graph = graphs.with_node(graphs.residual_net(), "wait", nir.Delay(delay=np.full(8, 2e-3)),
                             after="fb")
    write_graph(graph, tmp_path / "delay.nir")
    result = run("export", tmp_path / "delay.nir", "--to", "onnx", "-o", tmp_path / "d.onnx")
    assert result.exit_code == 2
    assert "wait: NIR type Delay" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "d.onnx").exists()
