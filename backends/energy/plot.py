"""Per-layer input firing rate and energy as bar charts (PNG)."""

from __future__ import annotations

from pathlib import Path

from snn2hw.atomic import atomic_path

from .estimate import EnergyReport


def plot_report(report: EnergyReport, path: str | Path) -> None:
    """Two stacked bar charts over layers: input firing rate, and energy in mJ. Atomic write."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [layer.name for layer in report.layers]
    rates = [layer.input_rate or 0.0 for layer in report.layers]
    energy = [layer.energy_mj for layer in report.layers]
    width = max(6.0, 0.35 * len(names))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(width, 6), sharex=True)
    top.bar(names, rates, color="#4c72b0")
    top.set_ylabel("input firing rate")
    top.set_title(f"{report.hw}: {report.energy_mj:.4g} mJ per sample ({report.rates} rates)")
    bottom.bar(names, energy, color="#dd8452")
    bottom.set_ylabel("energy (mJ)")
    bottom.tick_params(axis="x", labelrotation=90)
    fig.tight_layout()
    try:
        with atomic_path(path, ".png") as tmp:
            fig.savefig(tmp, dpi=110)
    finally:
        plt.close(fig)
