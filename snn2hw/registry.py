"""The one table of backends. Backends are imported lazily, so a missing optional dependency
(Lava, onnxruntime) only disables that backend and ``snn2hw backends`` says why."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from snn2hw.errors import BackendUnavailableError

BACKENDS: dict[str, str] = {
    "reference": "snn2hw.backends.reference:ReferenceBackend",
    "fixed": "snn2hw.backends.fixed:FixedBackend",
    "lava": "snn2hw.backends.lava:LavaBackend",
    "onnx": "snn2hw.backends.onnx:OnnxBackend",
    "energy": "snn2hw.backends.energy:EnergyBackend",
}


@dataclass(frozen=True)
class BackendStatus:
    name: str
    available: bool
    reason: str  # empty when available


def load_backend_class(name: str) -> type:
    """Import and return the backend class registered as ``name``."""
    if name not in BACKENDS:
        raise BackendUnavailableError(f"unknown backend '{name}' (known: {', '.join(BACKENDS)})")
    module_name, _, class_name = BACKENDS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendUnavailableError(f"backend '{name}' is unavailable: {exc}") from exc
    return getattr(module, class_name)


def create_backend(name: str):
    """A fresh instance of backend ``name``."""
    return load_backend_class(name)()


def backend_statuses() -> list[BackendStatus]:
    """Every registered backend, whether it imports here, and why not."""
    statuses = []
    for name in BACKENDS:
        try:
            load_backend_class(name)
            statuses.append(BackendStatus(name, True, ""))
        except BackendUnavailableError as exc:
            statuses.append(BackendStatus(name, False, str(exc.__cause__ or exc)))
    return statuses
