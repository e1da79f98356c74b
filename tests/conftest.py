"""Shared fixtures: the NIR paper's graphs and traces live in ../shared/fixtures/nir-paper."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(
    os.environ.get("SNN2HW_FIXTURES", Path(__file__).resolve().parents[2] / "shared" / "fixtures")
) / "nir-paper"


@pytest.fixture(scope="session")
def nir_paper() -> Path:
    """Folder of the NIR paper fixtures (01_lif, 02_cnn, 03_rnn)."""
    if not FIXTURES.is_dir():
        pytest.fail(f"NIR paper fixtures not found at {FIXTURES} (set SNN2HW_FIXTURES)")
    return FIXTURES
