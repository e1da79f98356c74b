"""``snn2hw run --backend lava`` and ``snn2hw export --to netx`` through click's CliRunner."""

from __future__ import annotations

import json

import h5py
import nir
import numpy as np
import pytest
import torch
from click.testing import CliRunner

from snn2hw.backends.reference import simulate
from snn2hw.cli import main
from snn2hw.ir.io import write_graph

from ...exported import exported_graph
from . import graphs
from .test_netx import _spiking_mlp

pytestmark = pytest.mark.lava


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def mlp_files(tmp_path):
    """A readout MLP graph, 3 graded samples [T, B, 64] and labels."""
    graph_path, x_path, y_path = tmp_path / "mlp.nir", tmp_path / "x.npy", tmp_path / "y.npy"
    write_graph(graphs.mlp(v_init=True), graph_path)
    np.save(x_path, np.random.default_rng(0).random((6, 3, 64)))
    np.save(y_path, np.array([1, 2, 3]))
    return graph_path, x_path, y_path


def test_run_lava_json_matches_reference_and_limits_samples(mlp_files, tmp_path):
    graph_path, x_path, y_path = mlp_files
    out = tmp_path / "out.npy"
    result = _invoke("run", graph_path, "--backend", "lava", "--input", x_path,
                     "--labels", y_path, "--samples", 2, "--json", "-o", out)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # nothing but JSON on stdout, no progress bar
    x = np.load(x_path)
    ref = simulate(graphs.mlp(v_init=True), x[:, :2], dtype=torch.float64).output
    expected = ref.mean(axis=0).argmax(axis=1)  # the graph stores no readout: time mean
    assert summary["predictions"] == expected.tolist()
    assert summary["accuracy"] == float(np.mean(expected == [1, 2]))
    np.testing.assert_allclose(np.load(out), ref, atol=1e-9)
    assert summary["output_shape"] == [6, 2, 10]


def test_run_lava_fixed_shows_a_progress_bar_of_steps(mlp_files):
    graph_path, x_path, _ = mlp_files
    result = _invoke("run", graph_path, "-b", "lava", "--precision", "fixed", "--input", x_path,
                     "--samples", 2)
    assert result.exit_code == 0, result.output
    # tqdm over 2 samples of T + delay = 8 steps: it moves inside the first sample
    assert "lava:" in result.stderr and " 1/16 " in result.stderr
    assert "sample 1/2" in result.stderr and "sample 2/2" in result.stderr
    assert "on lava" in result.stdout


def test_run_lava_refused_graph_is_one_line_exit_2(tmp_path):
    graph = graphs.mlp()
    graph.nodes["lif1"].v_reset = np.full(32, 0.2)
    write_graph(graph, tmp_path / "bad.nir")
    np.save(tmp_path / "x.npy", np.zeros((2, 1, 64)))
    result = _invoke("run", tmp_path / "bad.nir", "-b", "lava", "--input", tmp_path / "x.npy")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "lif1" in result.stderr


def test_export_netx_writes_a_network(tmp_path):
    write_graph(_spiking_mlp(np.random.default_rng(0)), tmp_path / "m.nir")
    result = _invoke("export", tmp_path / "m.nir", "--to", "netx", "-o", tmp_path / "m.net")
    assert result.exit_code == 0, result.output
    assert "2 layers" in result.stdout
    with h5py.File(tmp_path / "m.net") as f:
        assert f["layer/1/type"][()] == b"dense" and f["layer/2/neuron/type"][()] == b"CUBA"


def test_export_netx_failure_lists_every_problem_on_one_line_and_leaves_no_file(tmp_path):
    rng = np.random.default_rng(0)
    nodes = {"input": nir.Input(np.array([8])), "fc1": nir.Linear(rng.normal(0, 1, (6, 8))),
             "lif1": graphs.lif(6), "fc2": nir.Linear(rng.normal(0, 1, (4, 6))),
             "fc3": nir.Linear(rng.normal(0, 1, (4, 6))),
             "lif2": graphs.lif(4, v_init=np.full(4, 0.2)), "output": nir.Output(np.array([4]))}
    edges = [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("lif1", "fc3"),
             ("fc2", "lif2"), ("fc3", "lif2"), ("lif2", "output")]
    write_graph(graphs._graph(nodes, edges), tmp_path / "m.nir")  # a residual, IMP
    result = _invoke("export", tmp_path / "m.nir", "--to", "netx", "-o", tmp_path / "m.net")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "'lif1'" in result.stderr and "residual" in result.stderr
    assert "'lif2'" in result.stderr and "initial potential" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.nir"]


def test_run_lava_fixed_on_the_digits_dataset_reports_accuracy(tmp_path):
    graph = exported_graph("digits-mlp", [1, 8, 8], 4, hidden=16, v_threshold=0.3)
    write_graph(graph, tmp_path / "d.nir")
    result = _invoke("run", tmp_path / "d.nir", "-b", "lava", "--precision", "fixed",
                     "--dataset", "digits", "--samples", 2, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert len(summary["predictions"]) == 2 and 0.0 <= summary["accuracy"] <= 1.0
    assert summary["output_shape"] == [4, 2, 10]
