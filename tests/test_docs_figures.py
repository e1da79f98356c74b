"""README.md's pictures and samples cannot go stale: scripts/make_docs_figures.py --quick
writes every file of docs/figures/ again; the samples that do not depend on training must
equal the committed ones, README must show every file, and each sample in README must be
the committed file."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "docs" / "figures"
README = (ROOT / "README.md").read_text()


def _script():
    spec = importlib.util.spec_from_file_location("make_docs_figures",
                                                  ROOT / "scripts" / "make_docs_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    script = _script()
    script.make(out, quick=True)
    return out, script


def test_the_script_writes_every_committed_file(generated):
    out, _ = generated
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in FIGURES.iterdir())


def test_samples_independent_of_training_are_current(generated):
    out, script = generated
    for name in script.DETERMINISTIC:
        assert (out / name).read_text() == (FIGURES / name).read_text(), name


def test_readme_shows_every_file_and_only_those():
    shown = set(re.findall(r"docs/figures/([\w.-]+)", README))
    assert shown == {p.name for p in FIGURES.iterdir()}


def test_readme_samples_are_the_committed_files():
    samples = _script().SAMPLE.findall(README)
    assert len(samples) >= 4
    for _, path, text, _ in samples:
        assert text == (ROOT / path).read_text(), path


def test_pictures_are_small():
    for png in FIGURES.glob("*.png"):
        assert png.stat().st_size < 150_000, png.name
