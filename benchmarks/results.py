"""Appending benchmark figures to benchmarks/RESULTS.md with machine, date and command."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = "# Benchmark results\n\nAppended by `make bench` (python -m benchmarks).\n\n"


def machine() -> str:
    """CPU model, cores and Python/torch versions, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    gpu = f", GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""
    return (f"{cpu}, {os.cpu_count()} cores{gpu}; Python {platform.python_version()}, "
            f"torch {torch.__version__}")


def _row(values: Sequence[Any]) -> str:
    return "| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in values) + " |"


def _without_section(text: str, title: str) -> str:
    """``text`` without the sections headed ``## title`` (each runs to the next ``## ``)."""
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            skipping = line.rstrip("\n") == f"## {title}"
        if not skipping:
            kept.append(line)
    return "".join(kept)


def record(title: str, rows: Sequence[Mapping[str, Any]], notes: str = "",
           replace: bool = False) -> str:
    """Append a section (a markdown table of ``rows``) to RESULTS.md and return its text;
    ``replace`` first removes earlier sections with the same title (stale figures)."""
    columns = list(rows[0].keys()) if rows else []
    lines = [
        f"## {title}",
        "",
        f"- date: {_dt.datetime.now(_dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`",
    ]
    if notes:
        lines.append(f"- notes: {notes}")
    lines += ["", _row(columns), _row(["---"] * len(columns))]
    lines += [_row([r.get(c, "") for c in columns]) for r in rows]
    text = "\n".join(lines) + "\n\n"
    if not RESULTS.exists():
        RESULTS.write_text(HEADER)
    elif replace:
        RESULTS.write_text(_without_section(RESULTS.read_text(), title))
    with RESULTS.open("a") as handle:
        handle.write(text)
    return text


def synced_seconds(fn: Callable[[], object], device: str) -> float:
    """Wall time of one call of ``fn``, the GPU synchronised before and after on CUDA."""
    import torch

    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def gpu_or_smoke(full: dict, smoke: dict) -> tuple[dict, str] | None:
    """A GPU benchmark's parameters and device: ``smoke`` on the CPU with ``--smoke``, else
    ``full`` on CUDA, or None (a line printed) without a GPU."""
    import torch

    if "--smoke" in sys.argv[1:]:
        return smoke, "cpu"
    if not torch.cuda.is_available():
        print("no CUDA device: skipped (--smoke runs a tiny CPU version)")
        return None
    return full, "cuda"


def median_seconds(fn: Callable[[], object], repeats: int = 5) -> float:
    """Median wall time of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
