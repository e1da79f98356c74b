"""Names and defaults that command-line options show, importable without torch, so that
``snn2hw CMD --help`` and argument errors come before any heavy import. The modules that use
them (the torch frontend, the losses, the trainer) import them from here."""

from __future__ import annotations

DEFAULT_DT = 1e-4
"""Seconds per step written to exported graphs: the NIR paper's and snntorch's convention,
and the dt snn2hw assumes for graphs that carry none, so a graph keeps its meaning if the
``snn2hw.dt`` metadata is lost."""

LOSSES = ("sdt", "tet", "tet-s", "lts")
"""Training objectives (snn2hw.nn.losses)."""
