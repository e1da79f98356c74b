"""Loihi arithmetic by default, and a quantised file's input scale kept: the fixed backend and
``snn2hw quantize`` default to Loihi mode; a file runs only at the input scale it was quantised
for; inputs that the stored scale does not make integer give a warning naming the scale that
would (never a silent accuracy loss)."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from snn2hw.backend import RunConfig
from snn2hw.backends.fixed import FixedBackend
from snn2hw.cli import main
from snn2hw.errors import ConstraintError, Snn2hwWarning
from snn2hw.ir.io import read_graph, write_graph
from snn2hw.ir.metadata import READOUT, T
from snn2hw.passes.fold_loihi import INPUT_SCALE, PRECISION

from . import graphs


@pytest.fixture
def model_path(tmp_path):
    g = graphs.mlp(np.random.default_rng(0), sizes=(64, 32, 10))
    g.metadata.update({T: 4, READOUT: "mean"})
    write_graph(g, tmp_path / "m.nir")
    return tmp_path / "m.nir"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _quantise(model_path, tmp_path, *options) -> str:
    out = tmp_path / "q.nir"
    result = invoke("quantize", model_path, "-o", out, *options)
    assert result.exit_code == 0, result.output
    return out


def test_the_fixed_backend_runs_loihi_arithmetic_unless_told_otherwise():
    g = graphs.mlp(np.random.default_rng(1))
    for extra, mode in (({}, "loihi"), ({"mode": "generic"}, "generic")):
        backend = FixedBackend()
        backend.compile(g, RunConfig(extra=extra))
        assert backend.report().mode == mode


def test_quantize_writes_loihi_formats_and_the_input_scale_by_default(model_path, tmp_path):
    q = read_graph(_quantise(model_path, tmp_path, "--input-scale", 16))
    assert q.metadata[PRECISION] == "fixed" and q.metadata[INPUT_SCALE] == 16.0


def test_a_quantised_file_runs_only_at_its_input_scale(model_path, tmp_path):
    q = _quantise(model_path, tmp_path)  # input scale 1
    np.save(tmp_path / "x.npy", np.ones((2, 64)))
    ran = invoke("run", q, "--backend", "fixed", "--input", tmp_path / "x.npy",
                 "--input-scale", 16)
    assert ran.exit_code == 2
    assert "quantised for input scale 1, but the input asks for 16" in ran.output
    assert len(ran.output.strip().splitlines()) == 1
    digits = invoke("run", q, "--backend", "fixed", "--dataset", "digits")  # pixels are k/16
    assert digits.exit_code == 2 and "--input-scale 16" in digits.output
    other_mode = invoke("run", q, "--backend", "fixed", "--input", tmp_path / "x.npy",
                        "--mode", "generic")
    assert other_mode.exit_code == 2 and "quantised in loihi mode" in other_mode.output


@pytest.mark.parametrize("mode", ["loihi", "generic"])
def test_inputs_the_scale_does_not_make_integer_warn_with_the_scale_that_would(mode):
    g = graphs.mlp(np.random.default_rng(2), sizes=(64, 32, 10))
    backend = FixedBackend()
    backend.compile(g, RunConfig(extra={"mode": mode, "input_scale": 1.0}))
    pixels = np.random.default_rng(3).integers(0, 17, size=(4, 2, 64)) / 16.0
    with pytest.warns(Snn2hwWarning, match="not integer at input scale 1 .*--input-scale 16"):
        backend.run(pixels)


def test_an_unknown_mode_is_refused():
    with pytest.raises(ConstraintError, match="unknown fixed-point mode 'chip'"):
        FixedBackend().compile(graphs.mlp(np.random.default_rng(4)),
                               RunConfig(extra={"mode": "chip"}))
