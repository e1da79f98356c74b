"""``snn2hw backends``: which backends import here, and why one does not."""

from __future__ import annotations

import click

from snn2hw.registry import backend_statuses
from snn2hw.report import print_table


@click.command("backends")
def command() -> None:
    """List the backends and whether each is available."""
    rows = [
        {"backend": s.name, "available": "yes" if s.available else "no", "reason": s.reason}
        for s in backend_statuses()
    ]
    print_table("Backends", rows)
