"""Rendering shared by every command: rich tables for people, JSON for scripts."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

console = Console()


def to_jsonable(value: Any) -> Any:
    """Dataclasses, numpy arrays and scalars as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON on stdout (nothing else)."""
    print(json.dumps(to_jsonable(value), indent=2))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def print_table(title: str, rows: Sequence[Mapping[str, Any]],
                columns: Sequence[str] | None = None) -> None:
    """Print ``rows`` (dicts sharing keys) as one rich table."""
    table = Table(title=title)
    cols = list(columns) if columns else (list(rows[0].keys()) if rows else [])
    for col in cols:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(_fmt(row.get(col, "")) for col in cols))
    console.print(table)
