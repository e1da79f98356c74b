"""``snn2hw compare``: two graphs on the same inputs, side by side; its energy is exactly
``snn2hw energy``'s (one counting), its accuracy per step the readout after each step."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from snn2hw.cli import main
from snn2hw.ir.io import write_graph
from tests.exported import exported_graph


def invoke(*args):
    return CliRunner().invoke(main, [*map(str, args)])


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    imp, plain = folder / "imp.nir", folder / "plain.nir"
    write_graph(exported_graph("digits-cnn", [1, 8, 8], 4), imp)
    write_graph(exported_graph("digits-cnn", [1, 8, 8], 4, imp=False), plain)
    return imp, plain


def test_side_by_side_json_and_plot(pair, tmp_path):
    png = tmp_path / "cmp.png"
    result = invoke("compare", *pair, "--dataset", "digits", "--samples", 16, "--plot", png,
                    "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    imp, plain = data["models"]
    assert (imp["graph"], plain["graph"]) == ("imp", "plain")
    assert imp["imp"] and not plain["imp"]
    assert imp["totals"]["imp_params"] == 3072 and plain["totals"]["imp_params"] == 0
    for model in (imp, plain):
        assert len(model["accuracy_per_step"]) == model["T"] == 4
        assert model["accuracy"] == model["accuracy_per_step"][-1]
        assert set(model["firing_rates"]) == {"sn1", "sn2"}
        assert all(0 <= r <= 1 for r in model["firing_rates"].values())
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_energy_is_the_energy_commands(pair):
    """No second counting: each model's layers and totals equal ``energy --json`` on the
    same samples."""
    data = json.loads(invoke("compare", *pair, "--dataset", "digits", "--samples", 16,
                             "--json").output)
    for path, model in zip(pair, data["models"], strict=True):
        energy = json.loads(invoke("energy", path, "--dataset", "digits", "--samples", 16,
                                   "--json").output)
        assert model["layers"] == energy["layers"]
        assert model["totals"] == energy["totals"]


def test_accuracy_per_step_is_the_readout_after_each_step(pair, tmp_path):
    """Golden check through the CLI: labels chosen as the step-1 prediction of the IMP model
    make its first-step accuracy exactly 100 %."""
    from snn2hw.backends.reference import simulate
    from snn2hw.data import load_dataset
    from snn2hw.ir.io import read_graph
    from snn2hw.runner import prepare_inputs

    graph = read_graph(pair[0])
    x, _ = load_dataset("digits", graph, 12)
    first = simulate(graph, prepare_inputs(graph, x)).output[0].argmax(axis=1)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", first)
    result = invoke("compare", *pair, "--input", tmp_path / "x.npy", "--labels",
                    tmp_path / "y.npy", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["models"][0]["accuracy_per_step"][0] == 1.0


def test_tables_and_refusals(pair):
    table = invoke("compare", *pair, "--dataset", "digits", "--samples", 8)
    assert table.exit_code == 0, table.output
    assert "Accuracy after each time step" in table.output and "0x" in table.output  # IMP ratio
    one = invoke("compare", pair[0], "--dataset", "digits")
    assert one.exit_code == 2 and "two graphs" in one.output
    no_input = invoke("compare", *pair)
    assert no_input.exit_code == 2 and "--dataset" in no_input.output


def test_time_major_input_keeps_every_step(pair, tmp_path):
    """``--samples`` cuts the batch axis of a [T, B, ...] input, never its time axis."""
    x = (np.random.default_rng(0).random((4, 6, 1, 8, 8)) < 0.4).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "x3.npy", x[:, :3])
    data = json.loads(invoke("compare", *pair, "--input", tmp_path / "x.npy", "--samples", 3,
                             "--json").output)
    alone = json.loads(invoke("energy", pair[0], "--input", tmp_path / "x3.npy",
                              "--json").output)
    assert data["models"][0]["T"] == 4
    assert data["models"][0]["totals"] == alone["totals"]


def test_a_dataset_spec_gives_what_the_same_arrays_as_input_give(pair, tmp_path):
    """compare takes every --dataset spec, like run and energy: npy:X,y equals --input X
    --labels y."""
    from snn2hw.data import load_dataset
    from snn2hw.ir.io import read_graph

    x, y = load_dataset("digits", read_graph(pair[0]), 12)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    spec = invoke("compare", *pair, "--dataset", f"npy:{tmp_path}/x.npy,{tmp_path}/y.npy",
                  "--json")
    arrays = invoke("compare", *pair, "--input", tmp_path / "x.npy", "--labels",
                    tmp_path / "y.npy", "--json")
    assert spec.exit_code == 0, spec.output
    spec_models, array_models = (json.loads(r.output)["models"] for r in (spec, arrays))
    for a, b in zip(spec_models, array_models, strict=True):
        assert a["accuracy_per_step"] == b["accuracy_per_step"]
        assert a["firing_rates"] == b["firing_rates"]
