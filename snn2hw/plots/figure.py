"""Creating and saving figures: the Agg backend, one style, format from the file extension,
atomic writes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from snn2hw.atomic import atomic_path
from snn2hw.errors import BadInputError


def pyplot() -> Any:
    """matplotlib.pyplot on the non-interactive Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_format(path: str | os.PathLike) -> str:
    """The format named by ``path``'s extension; an extension matplotlib cannot write is
    refused naming the file and the formats it can."""
    pyplot()
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in formats:
        raise BadInputError(f"{path}: cannot tell the figure format from the extension "
                            f"(use one of {', '.join('.' + f for f in sorted(formats))})")
    return fmt


def save_figure(fig: Any, path: str | os.PathLike) -> Path:
    """Write ``fig`` to ``path`` in the format of its extension, atomically; close it.
    Raster formats use matplotlib's ``savefig.dpi`` setting (``rcParams``; 100 by default)."""
    plt = pyplot()
    try:
        fmt = figure_format(path)
        fig.tight_layout()
        with atomic_path(path, Path(path).suffix) as tmp:
            fig.savefig(tmp, format=fmt)
    finally:
        plt.close(fig)
    return Path(path)
