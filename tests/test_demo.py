"""The end-to-end demo (what `make demo` runs), shortened."""

from __future__ import annotations

from click.testing import CliRunner

from snn2hw.cli import main


def test_demo_runs_every_step(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path), "--epochs", "2",
                                       "--lava-samples", "2"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "digits.pt").is_file() and (tmp_path / "digits.nir").is_file()
    for backend in ("reference", "fixed", "lava floating_pt", "lava fixed_pt"):
        assert backend in result.output
    assert "45nm-fp32" in result.output and "loihi" in result.output
