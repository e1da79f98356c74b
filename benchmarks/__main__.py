"""Run benchmarks: ``python -m benchmarks`` (all) or ``python -m benchmarks NAME ...``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

SKIP = {"results", "__main__"}


def main(names: list[str]) -> None:
    here = Path(__file__).parent
    available = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name not in SKIP)
    for name in names or available:
        if name not in available:
            raise SystemExit(f"unknown benchmark '{name}' (have: {', '.join(available)})")
        print(f"== benchmarks.{name}", flush=True)
        sys.argv = [f"benchmarks/{name}.py"]  # benchmarks with options get their defaults
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
