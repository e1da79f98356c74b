"""``snn2hw quantize`` and ``snn2hw run --backend fixed --sweep-bits`` through click."""

from __future__ import annotations

import json

import nir
import numpy as np
import pytest
from click.testing import CliRunner

from snn2hw.backend import RunConfig
from snn2hw.backends.fixed import FixedBackend
from snn2hw.backends.reference import simulate
from snn2hw.cli import main
from snn2hw.ir.io import read_graph, write_graph
from snn2hw.ir.metadata import READOUT, T

from . import graphs

STEPS = 4


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory):
    """A digits SNN: a random IF layer and a least-squares readout of its spike rates."""
    from snn2hw.data.digits import digits_split

    train = digits_split("train")
    x, y = train.x.reshape(-1, 64) * 16, train.y  # the 0..16 pixel scale the weights expect
    rng = np.random.default_rng(0)
    hidden = nir.Affine(weight=rng.normal(size=(128, 64)) * 0.08 * 16, bias=np.zeros(128))
    g = graphs.graph({"fc0": hidden, "n0": graphs.if_node(128)},
                     graphs.chain_edges(["fc0", "n0"]), [64], [128])
    rates = simulate(g, np.repeat(x[None] / 16, STEPS, axis=0)).output.mean(axis=0)
    features = np.hstack([rates, np.ones((len(rates), 1))])
    solution = np.linalg.lstsq(features, np.eye(10)[y], rcond=None)[0]
    readout = nir.Affine(weight=solution[:-1].T, bias=solution[-1])
    model = graphs.graph({"fc0": hidden, "n0": graphs.if_node(128), "fc1": readout},
                         graphs.chain_edges(["fc0", "n0", "fc1"]), [64], [10])
    model.metadata.update({T: STEPS, READOUT: "mean"})
    path = tmp_path_factory.mktemp("model") / "digits.nir"
    write_graph(model, path)
    return path


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_quantize_writes_an_integer_graph_that_runs_on_fixed(digits_model, tmp_path):
    out = tmp_path / "q.nir"
    result = invoke("quantize", digits_model, "--mode", "generic", "--bits", 4, "--granularity",
                    "channel", "-o", out)
    assert result.exit_code == 0, result.output
    q = read_graph(out)
    assert np.abs(q.nodes["fc0"].weight).max() == 7
    assert np.all(q.nodes["fc0"].weight == np.round(q.nodes["fc0"].weight))
    x = np.random.default_rng(1).integers(0, 17, size=(3, 64)).astype(np.float64)
    np.save(tmp_path / "x.npy", x)
    ran = invoke("run", out, "--backend", "fixed", "--input", tmp_path / "x.npy", "--json")
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["output_shape"] == [STEPS, 3, 10]


def test_loihi_quantised_file_runs_the_same_integers_as_quantising_on_compile(digits_model,
                                                                               tmp_path):
    out = tmp_path / "loihi.nir"
    assert invoke("quantize", digits_model, "--mode", "loihi", "-o", out).exit_code == 0
    x = np.broadcast_to(np.random.default_rng(2).integers(0, 17, size=(2, 64)), (STEPS, 2, 64))
    from_file, on_compile = FixedBackend(), FixedBackend()
    from_file.compile(read_graph(out), RunConfig())
    on_compile.compile(read_graph(digits_model), RunConfig(extra={"mode": "loihi"}))
    np.testing.assert_array_equal(from_file.run(x).output, on_compile.run(x).output)


def test_sweep_bits_on_digits_prints_and_plots(digits_model, tmp_path):
    png = tmp_path / "sweep.png"
    result = invoke("run", digits_model, "--backend", "fixed", "--dataset", "digits",
                    "--sweep-bits", "2..8", "--plot", png, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["weight_bits"] for r in rows] == [None, 2, 3, 4, 5, 6, 7, 8]
    assert [r["backend"] for r in rows] == ["reference"] + ["fixed"] * 7
    accuracy = {r["weight_bits"]: r["accuracy"] for r in rows}
    assert accuracy[None] > 0.8
    assert accuracy[8] >= accuracy[None] - 0.05
    assert accuracy[2] < accuracy[8]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, message", [
    (["--backend", "fixed", "--sweep-bits", "1..8"], "2..8"),
    (["--backend", "fixed", "--sweep-bits", "two"], "LOW..HIGH"),
    (["--backend", "reference", "--sweep-bits", "2..8"], "needs --backend fixed"),
])
def test_bad_sweeps_are_refused(digits_model, args, message):
    result = invoke("run", digits_model, "--dataset", "digits", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_quantize_reports_unsupported_nodes(tmp_path):
    g = graphs.graph({"n": nir.CubaLIF(tau_syn=np.ones(2), tau_mem=np.ones(2), r=np.ones(2),
                                       v_leak=np.zeros(2), v_threshold=np.ones(2))},
                     graphs.chain_edges(["n"]), [2], [2])
    write_graph(g, tmp_path / "cuba.nir")
    result = invoke("quantize", tmp_path / "cuba.nir", "-o", tmp_path / "q.nir")
    assert result.exit_code == 2
    assert "CubaLIF" in result.output
    assert not (tmp_path / "q.nir").exists()
