"""Rendering shared by every command: rich tables for people, JSON for scripts.

Tables show numbers in human units chosen per magnitude (``264.3 nJ``, ``11.69M``); JSON keeps
the exact values, with snake_case keys and numbers as numbers. Tables are compact (no outer
border, one space between columns) so that the commands' tables fit an 80-column terminal
without splitting a header word (``tests/test_report_format.py``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from rich import box
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

console = Console()

_ENERGY_UNITS = ((1.0, "J"), (1e-3, "mJ"), (1e-6, "µJ"), (1e-9, "nJ"), (1e-12, "pJ"))
_SI = ((1e9, "G"), (1e6, "M"), (1e3, "k"))


def energy_unit(mj: float) -> tuple[float, str]:
    """The unit that suits an energy given in mJ, as (mJ per unit, unit): ``2.6e-4`` ->
    ``(1e-6, "nJ")``."""
    joules = abs(float(mj)) * 1e-3
    for scale, unit in _ENERGY_UNITS:
        if joules >= scale:
            return scale * 1e3, unit
    return 1e-9, "pJ"


def fmt_energy_mj(mj: float | None) -> str:
    """An energy given in mJ, in the unit that suits it: ``0.000264`` -> ``264 nJ``."""
    if mj is None:
        return ""
    if mj == 0:
        return "0 J"
    per_unit, unit = energy_unit(mj)
    return f"{mj / per_unit:.4g} {unit}"


def fmt_count(value: float | None) -> str:
    """A count: exact with separators below a million (``13,002``), else 4 significant
    digits and G/M (``11.69M``); fractional counts below 1,000 keep 4 digits."""
    if value is None:
        return ""
    if abs(value) < 1e6:
        if float(value).is_integer() or abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.4g}"
    for scale, suffix in _SI:
        if abs(value) >= scale:
            return f"{value / scale:.4g}{suffix}"
    return f"{value:,.0f}"  # unreachable: the loop covers |value| >= 1e6


def fmt_percent(fraction: float | None) -> str:
    """A fraction as a percentage with one decimal: ``0.9822`` -> ``98.2 %``."""
    return "" if fraction is None else f"{100 * fraction:.1f} %"


def fmt_value(value: Any) -> str:
    """Any cell: booleans as yes/no, counts as :func:`fmt_count`, floats to 4 digits."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return fmt_count(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return fmt_count(number) if number.is_integer() or abs(number) >= 1000 else (
            f"{number:.4g}")
    if isinstance(value, (list, tuple)):
        return "x".join(map(str, value)) if all(isinstance(v, int) for v in value) else str(
            list(value))
    return str(value)


@dataclasses.dataclass(frozen=True)
class Column:
    """A table column: the row key, its header and how a cell is written."""

    key: str
    header: str | None = None  # default: the key with spaces for underscores
    fmt: Callable[[Any], str] = fmt_value
    justify: JustifyMethod = "left"

    @property
    def title(self) -> str:
        return self.header if self.header is not None else self.key.replace("_", " ")


def _columns(rows: Sequence[Mapping[str, Any]],
             columns: Sequence[str | Column] | None) -> list[Column]:
    keys = list(columns) if columns else (list(rows[0].keys()) if rows else [])
    return [c if isinstance(c, Column) else _default_column(c) for c in keys]


def _default_column(key: str) -> Column:
    """Keys ending in ``_mj`` hold energies in mJ: shown in the unit that suits them."""
    return Column(key, fmt=fmt_energy_mj) if key.endswith("_mj") else Column(key)


def _header(title: str, cells: list[str]) -> str:
    """``title`` wrapped between words to the column's widest cell (rich sizes columns by
    their unwrapped header, then shrinks them all alike, splitting words, when that is too
    wide; a header pre-wrapped to its content keeps the table narrow)."""
    widest = max((len(line) for cell in cells for line in cell.splitlines()), default=0)
    target = max(widest, *(len(word) for word in title.split() or [""]))
    return "\n".join(textwrap.wrap(title, target)) if len(title) > target else title


def make_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str | Column] | None = None,
               show_header: bool = True) -> Table:
    """``rows`` (dicts sharing keys) as one compact rich table; headers wrap between words."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=0,
                  show_header=show_header)
    cols = _columns(rows, columns)
    cells = [[col.fmt(row.get(col.key)) for col in cols] for row in rows]
    for i, col in enumerate(cols):
        table.add_column(_header(col.title, [r[i] for r in cells]), justify=col.justify,
                         overflow="fold")
    for row in cells:
        table.add_row(*row)
    return table


def print_table(title: str | None, rows: Sequence[Mapping[str, Any]],
                columns: Sequence[str | Column] | None = None) -> None:
    """Print ``title`` (one bold line, wrapped between words) and ``rows`` as one table (see
    :func:`make_table`)."""
    _title(title)
    console.print(make_table(rows, columns))


def _title(title: str | None) -> None:
    if title:
        console.print(Text(title, style="bold"))


def record_table(record: Mapping[str, Any],
                 labels: Mapping[str, str] | None = None,
                 formats: Mapping[str, Callable[[Any], str]] | None = None,
                 humanize_keys: bool = True) -> Table:
    """One record as a two-column table (name, value): fits any number of fields. Names are
    ``labels[key]``, else the key (with spaces for underscores when ``humanize_keys``)."""
    labels, formats = labels or {}, formats or {}

    def label(key: str) -> str:
        if key in labels or not humanize_keys:
            return labels.get(key, key)
        return key.removesuffix("_mj").replace("_", " ")  # the value shows the unit

    rows = [{"name": label(key), "value": formats.get(key, _default_column(key).fmt)(value)}
            for key, value in record.items()]
    return make_table(rows, [Column("name"), Column("value", fmt=str)],
                      show_header=False)


def print_record(title: str | None, record: Mapping[str, Any], **kw: Any) -> None:
    """Print ``title`` and :func:`record_table`."""
    _title(title)
    console.print(record_table(record, **kw))


def print_report(report: Any, title: str | None = None,
                 columns: Mapping[str, Sequence[str | Column]] | None = None) -> None:
    """A backend's report (a dataclass or dict): its scalar fields as one record, then each
    list of records, each mapping of records (rows named by their keys) and each mapping as a
    table of its own; ``columns`` chooses the columns of a list field (default: every key)."""
    columns = columns or {}
    data = to_jsonable(report)
    if not isinstance(data, Mapping):
        console.print(fmt_value(data))
        return
    def is_records(v: Any) -> bool:
        return isinstance(v, list) and bool(v) and all(isinstance(r, Mapping) for r in v)

    scalars = {k: v for k, v in data.items() if not isinstance(v, Mapping) and not is_records(v)}
    if scalars:
        print_record(title, scalars)
    for key, value in data.items():
        if isinstance(value, Mapping) and value and all(
                isinstance(v, Mapping) for v in value.values()):  # {layer: {counter: n}}
            fields = list(dict.fromkeys(f for v in value.values() for f in v))
            print_table(key.replace("_", " "), [{"\0": k, **v} for k, v in value.items()],
                        [Column("\0", ""), *fields])
        elif isinstance(value, Mapping) and value:
            print_record(key.replace("_", " "), value)
        elif is_records(value):
            print_table(key.replace("_", " "), value, columns.get(key))


def print_line(text: str) -> None:
    """One line of prose (wrapped at word boundaries by the console; no markup)."""
    console.print(Text(text))


def to_jsonable(value: Any) -> Any:
    """Dataclasses, numpy arrays and scalars as plain JSON values; non-finite floats (NaN,
    infinity) as null, since JSON has none."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON on stdout (nothing else)."""
    print(json.dumps(to_jsonable(value), indent=2, allow_nan=False))
