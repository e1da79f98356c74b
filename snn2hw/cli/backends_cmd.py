"""``snn2hw backends``: which backends import here, and why one does not; with ``--nodes``,
which NIR node types each backend runs (the capability table, :mod:`snn2hw.ir.capabilities`)."""

from __future__ import annotations

import click

from snn2hw.ir import capabilities
from snn2hw.registry import backend_statuses
from snn2hw.report import print_json, print_line, print_table


def node_matrix() -> list[dict[str, str]]:
    """One row per NIR node type: category and, per target, ``yes``, ``no`` or the condition."""
    rows = []
    for kind in capabilities.TABLE:
        row = {"node": kind.name, "category": kind.category}
        for target in capabilities.TARGETS:
            condition = kind.targets.get(target)
            row[target] = "no" if condition is None else (condition or "yes")
        rows.append(row)
    return rows


def _print_matrix(rows: list[dict[str, str]]) -> None:
    """The matrix with conditions as numbered notes below it (cells stay one word wide)."""
    notes: dict[str, int] = {}
    short = []
    for row in rows:
        cells = dict(row)
        for target in capabilities.TARGETS:
            if cells[target] not in ("yes", "no"):
                cells[target] = f"if ({notes.setdefault(cells[target], len(notes) + 1)})"
        short.append(cells)
    print_table("NIR node types per backend", short)
    for condition, number in notes.items():
        print_line(f"({number}) {condition}")
    for target, limit in capabilities.GRAPH_LIMITS.items():
        print_line(f"graphs on {target}: {limit}")


@click.command("backends")
@click.option("--nodes", is_flag=True, help="Print which NIR node types each backend runs.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option("--import", "imports", is_flag=True,
              help="Import each backend to check that it loads (seconds: torch); by default "
                   "only its packages are looked for.")
def command(nodes: bool, as_json: bool, imports: bool) -> None:
    """List the backends and whether each is available."""
    if nodes:
        rows = node_matrix()
        if as_json:
            print_json({"nodes": rows, "graph_limits": capabilities.GRAPH_LIMITS})
            return
        _print_matrix(rows)
        return
    statuses = [{"backend": s.name, "available": s.available, "reason": s.reason}
                for s in backend_statuses(imports)]
    if as_json:
        print_json(statuses)
        return
    print_table("Backends", [{**s, "available": "yes" if s["available"] else "no"}
                             for s in statuses])
