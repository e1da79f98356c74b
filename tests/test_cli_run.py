"""``snn2hw run`` on the reference backend: outputs, records, and one-line errors (exit 2)."""

from __future__ import annotations

import json

import nir
import numpy as np
import pytest
from click.testing import CliRunner

from snn2hw.cli import main
from snn2hw.ir.io import write_graph

from .backends.reference.graphs import chain, if_node


def affine_if_graph(weight=None, bias=(0.5, -0.5)) -> nir.NIRGraph:
    w = np.eye(2) if weight is None else weight
    return chain(("fc", nir.Affine(weight=w, bias=np.asarray(bias, dtype=float))),
                 ("n", if_node(2)), n_in=2)


def run(*args):
    return CliRunner().invoke(main, ["run", *map(str, args)])


@pytest.fixture
def graph_file(tmp_path):
    path = tmp_path / "g.nir"
    write_graph(affine_if_graph(), path)
    return path


def test_affine_bias_is_applied_and_records_are_saved(graph_file, tmp_path):
    """nirtorch 2.6 drops Affine biases on import; our own mapping must not."""
    x = np.full((3, 1, 2), 0.3)  # v0: 0.3 + 0.5 = 0.8; v1: 1.6 -> spike; neuron 2 never
    np.save(tmp_path / "x.npy", x)
    out, rec = tmp_path / "out.npy", tmp_path / "rec.npz"
    result = run(graph_file, "--input", tmp_path / "x.npy", "-o", out, "--record", rec, "--json")
    assert result.exit_code == 0, result.output
    assert np.load(out)[:, 0].tolist() == [[0, 0], [1, 0], [0, 0]]
    records = np.load(rec)
    np.testing.assert_allclose(records["fc"][:, 0], [[0.8, -0.2]] * 3)
    assert json.loads(result.output)["output_shape"] == [3, 1, 2]


def test_static_input_needs_T_or_graph_T(graph_file, tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((4, 2)))
    assert run(graph_file, "--input", tmp_path / "x.npy", "--T", 5, "--json").exit_code == 0
    result = run(graph_file, "--input", tmp_path / "x.npy")
    assert result.exit_code == 2 and "--T" in result.output


def _bad_files(tmp_path, graph_file):
    truncated = tmp_path / "cut.nir"
    truncated.write_bytes(graph_file.read_bytes()[:300])
    text = tmp_path / "text.nir"
    text.write_text("hello")
    nan = tmp_path / "nan.nir"
    write_graph(affine_if_graph(weight=np.array([[np.nan, 0.0], [0.0, 1.0]])), nan)
    odd = tmp_path / "odd.nir"
    delay = nir.NIRGraph({"input": nir.Input(np.array([2])), "d": nir.Delay(np.ones(2)),
                          "x": nir.Threshold(np.ones(2)), "output": nir.Output(np.array([2]))},
                         [("input", "d"), ("d", "output")])
    write_graph(delay, odd)  # 'x' has no input edge
    return {
        "missing": (tmp_path / "absent.nir", "no such file"),
        "truncated": (truncated, "cut.nir"),
        "wrong type": (text, "not a NIR file"),
        "nan weights": (nan, "non-finite"),
        "unsupported graph": (odd, "x"),
    }


@pytest.mark.parametrize("case", ["missing", "truncated", "wrong type", "nan weights",
                                  "unsupported graph", "shape mismatch"])
def test_bad_input_is_one_line_exit_2_and_no_output(case, graph_file, tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((2, 1, 2)))
    cases = _bad_files(tmp_path, graph_file)
    if case == "shape mismatch":
        np.save(tmp_path / "x.npy", np.zeros((2, 1, 3)))
        path, needle = graph_file, "x.npy: input shape (2, 1, 3) fits neither"
    else:
        path, needle = cases[case]
    out = tmp_path / "out.npy"
    result = run(path, "--input", tmp_path / "x.npy", "-o", out)
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()
