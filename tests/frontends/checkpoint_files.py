"""Checkpoint files as the paper's tools write them, for reading tests."""

from __future__ import annotations

import sys
import types

import torch

CALLS: list[str] = []
"""What :class:`RunsOnUnpickle` did: empty unless a file was really unpickled."""


def record_call(what: str) -> None:
    CALLS.append(what)


class RunsOnUnpickle:
    """Unpickling this calls :func:`record_call`: what a malicious pickle would do."""

    def __reduce__(self):
        return record_call, ("unpickled",)


def mmengine_file(path, state: dict) -> None:
    """An mmengine checkpoint: ``state`` under 'state_dict' next to a ``message_hub`` of a class
    that does not exist here (its module is gone when the file is read) and an object whose
    unpickling has a side effect."""
    hub = types.ModuleType("mmengine.logging.message_hub")
    exec("class MessageHub:\n    def __init__(self):\n        self.log = {'loss': 0.5}\n",
         hub.__dict__)
    hub.MessageHub.__module__ = hub.__name__
    packages = {"mmengine": types.ModuleType("mmengine"),
                "mmengine.logging": types.ModuleType("mmengine.logging"), hub.__name__: hub}
    sys.modules.update(packages)
    try:
        torch.save({"meta": {"epoch": 3, "mmengine_version": "0.8.4"}, "state_dict": state,
                    "hook": RunsOnUnpickle(), "message_hub": hub.MessageHub()}, path)
    finally:
        for name in packages:
            del sys.modules[name]
