"""A graph written by `snn2hw quantize --mode loihi` runs the very same integers on the fixed
and Lava backends (pooling included), and neither quantises it a second time."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from snn2hw.cli import main
from snn2hw.frontends import torch_to_graph
from snn2hw.ir.io import write_graph
from snn2hw.nn.architectures import build_model


@pytest.fixture(scope="module")
def digits_graph(tmp_path_factory):
    torch.manual_seed(0)
    model = build_model("digits-cnn", channels=4).eval()  # conv, IF, conv, IF, avg pool, fc
    path = tmp_path_factory.mktemp("q") / "digits.nir"
    write_graph(torch_to_graph(model, (1, 8, 8), 4), path)
    return path


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.lava
def test_quantised_file_runs_identically_on_fixed_and_lava(digits_graph, tmp_path):
    quantised = tmp_path / "q.nir"
    result = invoke("quantize", digits_graph, "--mode", "loihi", "--input-scale", 16,
                    "-o", quantised)
    assert result.exit_code == 0, result.output
    outputs = {}
    for backend, options in (("fixed", []), ("lava", ["--precision", "fixed"])):
        out = tmp_path / f"{backend}.npy"
        ran = invoke("run", quantised, "--backend", backend, *options,
                     "--dataset", "digits", "--samples", 3, "-o", out, "--json")
        assert ran.exit_code == 0, ran.output
        outputs[backend] = np.load(out)
        assert json.loads(ran.stdout)["output_shape"] == [4, 3, 10]
    np.testing.assert_array_equal(outputs["fixed"], outputs["lava"])


def test_quantised_file_refuses_float_on_lava(digits_graph, tmp_path):
    quantised = tmp_path / "q.nir"
    assert invoke("quantize", digits_graph, "--mode", "loihi", "-o", quantised).exit_code == 0
    ran = invoke("run", quantised, "--backend", "lava", "--dataset", "digits", "--samples", 1)
    assert ran.exit_code == 2 and "--precision fixed" in ran.output
