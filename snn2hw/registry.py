"""The one table of backends, and the only way the core and the CLI reach them.

Backends are imported lazily, so a missing optional dependency (Lava, onnxruntime) only disables
that backend and ``snn2hw backends`` says why. ``create_backend`` hands out objects that satisfy
the :class:`~snn2hw.backend.Backend` protocol; ``tool`` returns the few backend functions the
CLI offers as verbs of their own (quantize, export, the bit sweep, the energy estimator).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any, cast

from snn2hw.backend import Backend
from snn2hw.errors import BackendUnavailableError

BACKENDS: dict[str, str] = {
    "reference": "snn2hw.backends.reference:ReferenceBackend",
    "fixed": "snn2hw.backends.fixed:FixedBackend",
    "lava": "snn2hw.backends.lava:LavaBackend",
    "onnx": "snn2hw.backends.onnx:OnnxBackend",
    "energy": "snn2hw.backends.energy:EnergyBackend",
}

# name -> packages beyond the core that the backend needs, found without importing them (so
# `snn2hw backends` answers at once: importing torch alone takes seconds)
REQUIRES: dict[str, tuple[str, ...]] = {
    "reference": ("torch",),
    "fixed": ("torch",),
    "lava": ("lava.magma", "lava.lib.dl.netx"),
    "onnx": ("onnx", "onnxruntime"),
    "energy": ("torch",),
}

# name -> (backend, "module:attribute"): backend functions used outside a Backend object.
TOOLS: dict[str, tuple[str, str]] = {
    "fixed.modes": ("fixed", "snn2hw.backends.fixed.backend:MODES"),
    "fixed.sweep": ("fixed", "snn2hw.backends.fixed.sweep:run_sweep"),
    "fixed.parse_bits": ("fixed", "snn2hw.backends.fixed.sweep:parse_bits"),
    "lava.export_netx": ("lava", "snn2hw.backends.lava:export_netx"),
    "onnx.export": ("onnx", "snn2hw.backends.onnx:export_onnx"),
    "onnx.save": ("onnx", "snn2hw.backends.onnx:save_onnx"),
    "onnx.load": ("onnx", "snn2hw.backends.onnx:load_onnx"),
    "onnx.opset": ("onnx", "snn2hw.backends.onnx:OPSET"),
    "energy": ("energy", "snn2hw.backends.energy:"),
    "energy.layer_costs": ("energy", "snn2hw.backends.energy.layers:layer_costs"),
    "energy.plot": ("energy", "snn2hw.backends.energy.plot:plot_report"),
    "energy.published": ("energy", "snn2hw.backends.energy.published:"),
    "energy.weighted": ("energy", "snn2hw.backends.energy.layers:WEIGHTED"),
    "energy.effective_ops": ("energy", "snn2hw.backends.energy.rates:effective_ops"),
    "reference.simulate": ("reference", "snn2hw.backends.reference:simulate"),
}


@dataclass(frozen=True)
class BackendStatus:
    name: str
    available: bool
    reason: str  # empty when available


def _load(backend: str, target: str) -> Any:
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendUnavailableError(f"backend '{backend}' is unavailable: {exc}") from exc
    return getattr(module, attr) if attr else module


def load_backend_class(name: str) -> type[Backend]:
    """Import and return the backend class registered as ``name``."""
    if name not in BACKENDS:
        raise BackendUnavailableError(f"unknown backend '{name}' (known: {', '.join(BACKENDS)})")
    return cast(type[Backend], _load(name, BACKENDS[name]))


def create_backend(name: str) -> Backend:
    """A fresh instance of backend ``name`` (a :class:`~snn2hw.backend.Backend`)."""
    backend = load_backend_class(name)()
    if not isinstance(backend, Backend):  # a registration error, not a user's
        raise TypeError(f"backend '{name}' does not implement snn2hw.backend.Backend")
    return backend


def tool(name: str) -> Any:
    """A backend function or table offered as a verb of its own (``TOOLS``), imported lazily."""
    if name not in TOOLS:
        raise BackendUnavailableError(f"unknown backend tool '{name}' (known: {', '.join(TOOLS)})")
    return _load(*TOOLS[name])


def backend_statuses(imports: bool = False) -> list[BackendStatus]:
    """Every registered backend, whether it can run here, and why not: its packages
    (``REQUIRES``) are installed, and with ``imports`` its module really imports."""
    statuses = []
    for name in BACKENDS:
        missing = [package for package in REQUIRES.get(name, ()) if not _installed(package)]
        if missing:
            statuses.append(BackendStatus(name, False, f"not installed: {', '.join(missing)}"))
            continue
        try:
            if imports:
                load_backend_class(name)
            statuses.append(BackendStatus(name, True, ""))
        except BackendUnavailableError as exc:
            statuses.append(BackendStatus(name, False, str(exc.__cause__ or exc)))
    return statuses


def _installed(package: str) -> bool:
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):  # a parent package is missing or broken
        return False
