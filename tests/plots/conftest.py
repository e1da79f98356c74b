"""A digits CNN with random weights and IMP, exported to NIR once per session (fast: no
training), and a hook that keeps every figure the plots save, for checks on its contents."""

from __future__ import annotations

import pytest

from snn2hw.ir.io import write_graph
from tests.exported import exported_graph


@pytest.fixture(scope="session")
def digits_nir(tmp_path_factory):
    path = tmp_path_factory.mktemp("plots") / "digits.nir"
    write_graph(exported_graph("digits-cnn", [1, 8, 8], 4), path)
    return path


@pytest.fixture
def saved_figures(monkeypatch):
    """Figures passed to ``Figure.savefig`` during the test, in order."""
    from matplotlib.figure import Figure

    figures, savefig = [], Figure.savefig

    def keep(fig, *args, **kwargs):
        figures.append(fig)
        return savefig(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    return figures
