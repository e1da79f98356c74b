"""Smoke tests: the examples run as scripts and print what they promise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_load_paper_checkpoint_example_runs():
    result = subprocess.run([sys.executable, str(EXAMPLES / "load_paper_checkpoint.py")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "architecture sew18, T=2" in result.stdout
    assert "input (2, 3, 32, 32) -> logits (2, 2, 1000)" in result.stdout


def test_train_digits_example_runs(tmp_path):
    out = tmp_path / "digits.pt"
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "train_digits.py"), "--epochs", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert out.is_file() and "test accuracy" in result.stdout


def test_deploy_digits_example_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "deploy_digits.py"), "--epochs", "1",
         "--lava-samples", "2", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert result.returncode == 0, result.stderr
    for backend in ("reference", "fixed", "lava"):
        assert f"{backend}: accuracy" in result.stdout
    assert "energy per sample" in result.stdout
