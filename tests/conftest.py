"""Shared fixtures: the NIR paper's graphs and traces, vendored in tests/fixtures/nir-paper."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "nir-paper"


@pytest.fixture(scope="session")
def nir_paper() -> Path:
    """Folder of the NIR paper fixtures (01_lif, 02_cnn, 03_rnn; see its README.md)."""
    return FIXTURES
