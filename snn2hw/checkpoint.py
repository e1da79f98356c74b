"""snn2hw's own checkpoint format, loadable with ``torch.load(weights_only=True)``.

A checkpoint is a dict of plain values::

    {"format": "snn2hw-checkpoint", "version": 1, "arch": "digits-cnn", "config": {...},
     "state_dict": {...}, "T": 4, "readout": "last", "input_shape": [1, 8, 8],
     "static_input": True, "metrics": {...}}

``config`` holds the keyword arguments of :func:`snn2hw.nn.architectures.build_model`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from snn2hw.atomic import atomic_path
from snn2hw.errors import BadInputError
from snn2hw.nn.architectures import build_model

FORMAT = "snn2hw-checkpoint"
VERSION = 1


@dataclass
class Checkpoint:
    """A model with what is needed to rebuild and run it."""

    arch: str
    config: dict[str, Any]
    state_dict: dict[str, torch.Tensor]
    T: int
    readout: str = "last"  # "last" (LTS) or "mean" (SDT/TET)
    input_shape: list[int] = field(default_factory=list)  # one sample, without T and B
    static_input: bool = True  # a static sample repeated over T (else a [T, ...] sequence)
    metrics: dict[str, float] = field(default_factory=dict)

    def build(self) -> nn.Module:
        """The model with its weights, in eval mode."""
        model = build_model(self.arch, **self.config)
        model.load_state_dict(self.state_dict)
        return model.eval()

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": VERSION, "arch": self.arch, "config": self.config,
            "state_dict": self.state_dict, "T": self.T, "readout": self.readout,
            "input_shape": list(self.input_shape), "static_input": self.static_input,
            "metrics": self.metrics,
        }


def save_checkpoint(checkpoint: Checkpoint, path: str | os.PathLike) -> None:
    """Write atomically: a failure leaves no partial file."""
    try:
        with atomic_path(path) as tmp:
            torch.save(checkpoint.to_dict(), tmp)
    except OSError as exc:
        raise BadInputError(f"{path}: cannot write checkpoint ({exc.strerror or exc})") from exc


def read_torch_file(path: str | os.PathLike, trust: bool = False) -> Any:
    """``torch.load`` with ``weights_only=True`` unless ``trust``; errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"{path}: no such file")
    try:
        return torch.load(path, map_location="cpu", weights_only=not trust)
    except Exception as exc:  # torch raises many types for corrupt or unsafe files
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "weights_only" in str(exc) or "Unsupported global" in str(exc):
            reason = ("it holds pickled objects that are not plain tensors; pass --trust only if "
                      "you trust its source")
        raise BadInputError(f"{path}: cannot load checkpoint ({reason})") from exc


def load_checkpoint(path: str | os.PathLike, trust: bool = False) -> Checkpoint:
    """Read an snn2hw checkpoint written by :func:`save_checkpoint`."""
    data = read_torch_file(path, trust=trust)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BadInputError(f"{path}: not an snn2hw checkpoint (for a bare state_dict use --arch)")
    if data.get("version") != VERSION:
        raise BadInputError(f"{path}: checkpoint version {data.get('version')} is not supported")
    try:
        return Checkpoint(
            arch=data["arch"], config=dict(data["config"]), state_dict=data["state_dict"],
            T=int(data["T"]), readout=data["readout"], input_shape=list(data["input_shape"]),
            static_input=bool(data["static_input"]), metrics=dict(data.get("metrics", {})),
        )
    except KeyError as exc:
        raise BadInputError(f"{path}: checkpoint lacks the field {exc}") from exc
