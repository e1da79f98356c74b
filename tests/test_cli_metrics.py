"""``snn2hw metrics``: its table and JSON are :mod:`snn2hw.neurobench_metrics` on the same
inputs; bad input is one line and exit code 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from snn2hw.cli import main
from snn2hw.ir.io import write_graph
from snn2hw.neurobench_metrics import MetricsRequest, metrics
from tests.exported import exported_graph


def invoke(*args):
    return CliRunner().invoke(main, [*map(str, args)])


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    path = tmp_path_factory.mktemp("metrics") / "cnn.nir"
    write_graph(exported_graph("digits-cnn", [1, 8, 8], 4), path)
    return path


def test_json_is_the_module_on_the_same_samples(graph):
    out = invoke("metrics", graph, "--dataset", "digits", "--samples", 8, "--json")
    assert out.exit_code == 0, out.output
    got = json.loads(out.output)
    assert got == json.loads(json.dumps(metrics(MetricsRequest(str(graph), "digits",
                                                               samples=8))))
    assert got["samples"] == 8 and got["T"] == 4
    assert [row["name"] for row in got["layers"]] == ["conv1", "conv2", "fc"]
    ops = got["synaptic_operations"]
    assert ops["dense"] == sum(row["dense"] for row in got["layers"])
    assert 0 < ops["effective_acs"] < ops["dense"] and 0 < got["activation_sparsity"] < 1


def test_table(graph, tmp_path):
    x = tmp_path / "x.npy"
    np.save(x, np.ones((3, 1, 8, 8), np.float32))
    out = invoke("metrics", graph, "--input", x)
    assert out.exit_code == 0, out.output
    assert "NeuroBench metrics" in out.output and "3 samples, T=4" in out.output
    assert "activation sparsity" in out.output and "effective ACs" in out.output
    assert all(len(line) <= 80 for line in out.output.splitlines())


@pytest.mark.parametrize("args", [[], ["--dataset", "digits", "--input", "{graph}"],
                                  ["--input", "{graph}"], ["--dataset", "nosuch"],
                                  ["--samples", "0", "--dataset", "digits"]])
def test_bad_input_is_one_line(graph, args):
    out = invoke("metrics", graph, *[a.format(graph=graph) for a in args])
    assert out.exit_code == 2, out.output
    assert "Traceback" not in out.output and out.output.strip().count("\n") <= 3
