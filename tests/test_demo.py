"""The end-to-end demo (what `make demo` runs), shortened: 2 epochs, 4 Lava samples (about 15 s).

Measured (2 epochs, seed 0): test accuracy 0.929 for the torch model, the reference and ONNX
(same predictions on all 450 images), 0.916 for the fixed backend (0.973 of its predictions
equal the reference's), Lava float and fixed equal the reference on 4 of 4."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from snn2hw.cli import main
from snn2hw.demo import run_demo

pytestmark = pytest.mark.lava  # the demo runs Lava; CI installs it, so it is required here
AGREE = "agreement"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("demo"), epochs=2, say=lambda line: None,
                    lava_samples=4)


def _rows(result) -> dict[str, dict]:
    return {row["backend"].split(" (")[0]: row for row in result.rows}


def test_every_backend_ran(demo):
    rows = _rows(demo)
    assert list(rows) == ["reference", "fixed", "onnx", "lava floating_pt", "lava fixed_pt"]
    for name, row in rows.items():
        assert not row["note"], f"{name}: {row['note']}"  # Lava missing fails, not skips
        assert row["samples"] == (4 if name.startswith("lava") else 450)
    assert demo.checkpoint.is_file() and demo.graph.is_file()


def test_accuracy_and_agreement_between_backends(demo):
    rows = _rows(demo)
    assert demo.train_accuracy > 0.85
    # the exported graph is the trained model: the reference scores what training measured
    assert rows["reference"]["accuracy"] == pytest.approx(demo.train_accuracy, abs=1 / 450)
    assert rows["onnx"][AGREE] == 1.0 and rows["lava floating_pt"][AGREE] == 1.0
    assert rows["fixed"][AGREE] >= 0.95 and rows["fixed"]["accuracy"] > 0.85
    assert rows["lava fixed_pt"][AGREE] >= 0.75  # at most one of 4 differs, as fixed does


def test_cli_prints_the_tables(demo, monkeypatch, tmp_path):
    monkeypatch.setattr("snn2hw.demo.run_demo", lambda *args, **kw: demo)
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path), "--epochs", "2",
                                       "--lava-samples", "4"])
    assert result.exit_code == 0, result.output
    for backend in ("reference", "fixed", "onnx", "lava floating_pt", "lava fixed_pt"):
        assert backend in result.output
    assert "45nm-fp32" in result.output and "loihi" in result.output
