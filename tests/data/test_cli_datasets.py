"""--dataset on train, evaluate, run, energy and quantize: npy arrays, an image folder and an
event folder reach each command; a bad spec is one line and exit 2."""

from __future__ import annotations

import json

import nir
import numpy as np
import pytest
from PIL import Image

from snn2hw.data.digits import digits_split
from snn2hw.ir import metadata
from snn2hw.ir.io import read_graph, write_graph
from snn2hw.passes.fold_loihi import INPUT_SCALE

from ..cli.helpers import assert_clean_failure, cli, write_tiny


def polarity_graph(shape: tuple[int, ...], picks: list[np.ndarray]) -> nir.NIRGraph:
    """input [shape] -> flatten -> Affine (row k: mean over the pixels ``picks[k]``) -> IF."""
    size = int(np.prod(shape))
    weight = np.stack([p.reshape(size) / p.sum() for p in picks]).astype(np.float64)
    n = len(picks)
    nodes = {
        "input": nir.Input(np.array(shape)),
        "flat": nir.Flatten(input_type={"input": np.array(shape)}, start_dim=0, end_dim=-1),
        "fc": nir.Affine(weight=weight, bias=np.zeros(n)),
        "n": nir.IF(r=np.ones(n), v_threshold=np.ones(n), v_reset=np.zeros(n)),
        "output": nir.Output(np.array([n])),
    }
    edges = [("input", "flat"), ("flat", "fc"), ("fc", "n"), ("n", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={metadata.DT: 1.0, metadata.T: 4})


def channel_masks(shape):
    masks = []
    for c in range(shape[0]):
        mask = np.zeros(shape)
        mask[c] = 1
        masks.append(mask)
    return masks


def run_json(*args) -> dict:
    result = cli("run", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_run_npy_spec_equals_input_and_labels(tmp_path):
    graph, x, y = write_tiny(tmp_path)
    ours = run_json(graph, "--dataset", f"npy:{x},{y}", "--samples", 3)
    theirs = run_json(graph, "--input", x, "--labels", y, "--samples", 3)
    assert ours["predictions"] == theirs["predictions"] and len(ours["predictions"]) == 3
    assert ours["accuracy"] == theirs["accuracy"]


def test_run_on_an_image_folder(tmp_path):
    for label, colour in (("blue", (0, 0, 255)), ("red", (255, 0, 0))):
        (tmp_path / "images" / label).mkdir(parents=True)
        for i in range(2):
            Image.new("RGB", (40, 30), colour).save(tmp_path / "images" / label / f"{i}.jpg")
    write_graph(polarity_graph((3, 8, 8), channel_masks((3, 8, 8))[::-2]), tmp_path / "g.nir")
    # normalised blue: B = 2.64, R = -2.12; red the other way: each class drives its neuron
    summary = run_json(tmp_path / "g.nir", "--dataset", f"imagefolder:{tmp_path / 'images'}")
    assert summary["predictions"] == [0, 0, 1, 1] and summary["accuracy"] == 1.0


def test_run_on_an_event_folder_resized_to_the_model(tmp_path):
    rng = np.random.default_rng(0)
    for polarity, label in enumerate(("off", "on")):
        (tmp_path / "ev" / label).mkdir(parents=True)
        n = 400
        np.savez(tmp_path / "ev" / label / "0.npz", x=rng.integers(0, 16, n),
                 y=rng.integers(0, 16, n), t=np.arange(n), p=np.full(n, polarity),
                 sensor=np.array([16, 16]))
    write_graph(polarity_graph((2, 4, 4), channel_masks((2, 4, 4))), tmp_path / "g.nir")
    summary = run_json(tmp_path / "g.nir", "--dataset", f"events:{tmp_path / 'ev'}")
    assert summary["predictions"] == [0, 1] and summary["accuracy"] == 1.0


def test_energy_rates_from_a_npy_spec_equal_those_from_input(tmp_path):
    graph, x, _ = write_tiny(tmp_path)
    runs = [cli("energy", graph, *opts, "--json") for opts in
            (("--dataset", f"npy:{x}"), ("--input", x))]
    assert all(r.exit_code == 0 for r in runs), [r.output for r in runs]
    ours, theirs = (json.loads(r.output) for r in runs)
    assert ours["layers"] == theirs["layers"] and ours["rates"] == theirs["rates"]


@pytest.mark.parametrize("values, scale", [(np.arange(8) / 8, 8.0), (np.arange(8) * 0.1, 128.0)])
def test_quantize_calibrates_the_input_scale(tmp_path, values, scale):
    graph, _, _ = write_tiny(tmp_path)
    np.save(tmp_path / "cal.npy", values.reshape(4, 2))
    out = tmp_path / "q.nir"
    result = cli("quantize", graph, "-o", out, "--dataset", f"npy:{tmp_path / 'cal.npy'}")
    assert result.exit_code == 0, result.output
    # k/8 is exact at 8; 0.7 * 128 = 89.6 fits 8 signed bits (0.7 * 256 would not)
    assert read_graph(out).metadata[INPUT_SCALE] == scale


def test_train_and_evaluate_on_npy_specs(tmp_path):
    test = digits_split("test")
    np.save(tmp_path / "x.npy", test.x)
    np.save(tmp_path / "y.npy", test.y)
    np.save(tmp_path / "threes.npy", np.full(len(test.y), 3))
    ckpt = tmp_path / "m.pt"
    result = cli("train", "--arch", "digits-mlp", "--epochs", 2, "-o", ckpt, "--json",
                 "--dataset", f"npy:{tmp_path / 'x.npy'},{tmp_path / 'threes.npy'}")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["test_accuracy"] == 1.0  # it learnt the only label given
    default = json.loads(cli("evaluate", ckpt, "--json").output)
    given = json.loads(cli("evaluate", ckpt, "--json", "--dataset",
                           f"npy:{tmp_path / 'x.npy'},{tmp_path / 'y.npy'}").output)
    assert given["test_accuracy"] == default["test_accuracy"] == np.mean(test.y == 3)
    cut = json.loads(cli("evaluate", ckpt, "--json", "--samples", 10, "--dataset",
                         f"npy:{tmp_path / 'x.npy'},{tmp_path / 'threes.npy'}").output)
    assert cut["samples"] == 10 and cut["test_accuracy"] == 1.0


@pytest.mark.parametrize("command", ["train", "evaluate", "run", "energy", "quantize"])
@pytest.mark.parametrize("spec, needle", [("cifar", "'cifar' is not a dataset"),
                                          ("events:/absent/dvs", "/absent/dvs: no such folder")])
def test_bad_spec_is_one_line(tmp_path, command, spec, needle):
    graph, _, _ = write_tiny(tmp_path)
    args = {"train": ["-o", tmp_path / "m.pt"], "evaluate": [graph], "run": [graph],
            "energy": [graph], "quantize": [graph, "-o", tmp_path / "q.nir"]}[command]
    assert_clean_failure(cli(command, *args, "--dataset", spec), "--dataset", needle)
