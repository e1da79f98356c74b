"""snn2hw's own checkpoint format, loadable with ``torch.load(weights_only=True)``.

A checkpoint is a dict of plain values::

    {"format": "snn2hw-checkpoint", "version": 1, "arch": "digits-cnn", "config": {...},
     "state_dict": {...}, "T": 4, "readout": "last", "input_shape": [1, 8, 8],
     "static_input": True, "metrics": {...}}

``config`` holds the keyword arguments of :func:`snn2hw.nn.architectures.build_model`.
"""

from __future__ import annotations

import argparse
import os
import zipfile
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
    metrics: dict[str, Any] = field(default_factory=dict)  # figures; the trainer adds its config

    def build(self) -> nn.Module:
        """The model with its weights, in eval mode; weights that do not fit the architecture
        are a :class:`BadInputError` naming the keys."""
        try:
            model = build_model(self.arch, **self.config)
        except (TypeError, ValueError) as exc:
            raise BadInputError(f"architecture {self.arch} cannot be built from the stored "
                                f"config ({exc})") from exc
        model.load_state_dict(fit_state_dict(model.state_dict(), self.state_dict,
                                             f"the weights do not fit {self.arch}"))
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
        # A file object, not the path: torch.save names the archive's records after the file
        # it is given, and the temporary name is random (the same model gave other bytes).
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            torch.save(checkpoint.to_dict(), handle)
    except OSError as exc:
        raise BadInputError(f"{path}: cannot write checkpoint ({exc.strerror or exc})") from exc


HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"  # .nir graphs and netx files
TORCH_SIGNATURES = (b"PK\x03\x04", b"\x80")  # torch.save's zip archive, or a legacy pickle


class Inert:
    """What an object of an unknown pickled class becomes: nothing of it runs or is kept.

    :func:`read_torch_file` allow-lists this class under each unknown name, so torch's own
    weights-only unpickler stays in charge (only tensors and plain values are built) and an
    mmengine ``message_hub`` or similar reads as an ``Inert`` instead of failing the file."""

    pickled_as = "?"

    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state) -> None:
        pass

    def __repr__(self) -> str:
        return f"<not unpickled: {self.pickled_as}>"


def read_torch_file(path: str | os.PathLike, trust: bool = False) -> Any:
    """``torch.load`` with ``weights_only=True`` unless ``trust``; errors name the file.

    Without ``trust``, objects of classes outside torch's allow-list (and ``argparse.Namespace``,
    which the paper's scripts save) are not unpickled: each becomes an :class:`Inert`, so the
    tensors and plain values around them can still be read."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"{path}: no such file")
    _check_signature(path)
    try:
        if trust:
            return torch.load(path, map_location="cpu", weights_only=False)
        with torch.serialization.safe_globals([argparse.Namespace, *_inert_globals(path)]):
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt or unsafe files
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BadInputError(f"{path}: cannot load checkpoint ({reason})") from exc


def _check_signature(path: Path) -> None:
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head == HDF5_SIGNATURE:
        raise BadInputError(f"{path}: is an HDF5 file (a NIR graph or netx network), not a "
                            "PyTorch checkpoint")
    if not head.startswith(TORCH_SIGNATURES):
        raise BadInputError(f"{path}: cannot load checkpoint (not a file written by torch.save)")
    _check_crc(path)


def _check_crc(path: Path) -> None:
    """torch.save's zip archives carry a CRC-32 per record that torch.load does not verify: a
    flipped bit in tensor data would load silently as a wrong weight."""
    if not zipfile.is_zipfile(path):
        return  # the legacy (pre-1.6) format has no checksums
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise BadInputError(f"{path}: cannot load checkpoint (damaged archive: {exc})") from exc
    if bad is not None:
        raise BadInputError(f"{path}: damaged checkpoint: record {bad} fails its CRC-32 check")


def _inert_globals(path: Path) -> list[tuple[type, str]]:
    """An :class:`Inert` subclass for every class or function the file names that torch's
    weights-only unpickler does not allow (found by reading the pickle, not running it)."""
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception:  # a legacy or corrupt file: torch.load reports it
        return []
    names = [n for n in names if n != "argparse.Namespace"]
    return [(type("Inert", (Inert,), {"pickled_as": n}), n) for n in names]


def pickled_objects(data: Any) -> list[str]:
    """The classes of the objects that :func:`read_torch_file` did not unpickle in ``data``."""
    found: list[str] = []

    def visit(value: Any) -> None:
        if isinstance(value, Inert):
            found.append(value.pickled_as)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item)

    visit(data)
    return sorted(set(found))


def not_unpickled(path: str | os.PathLike, data: Any) -> BadInputError:
    """The error for a file whose needed content was a pickled object (only ``--trust`` can
    read it)."""
    classes = ", ".join(pickled_objects(data)[:3]) or "objects"
    return BadInputError(f"{path}: holds pickled {classes} instead of a state dict; pass --trust "
                         "to unpickle it (only for files you trust)")


def load_checkpoint(path: str | os.PathLike, trust: bool = False) -> Checkpoint:
    """Read an snn2hw checkpoint written by :func:`save_checkpoint`."""
    return checkpoint_from_data(read_torch_file(path, trust=trust), path)


def checkpoint_from_data(data: Any, path: str | os.PathLike) -> Checkpoint:
    """The snn2hw checkpoint in ``data``, what :func:`read_torch_file` read from ``path``."""
    if isinstance(data, Inert):
        raise not_unpickled(path, data)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BadInputError(f"{path}: not an snn2hw checkpoint (one written by `snn2hw train`); "
                            "`snn2hw export --arch` reads the paper's checkpoints and state dicts")
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


SHOWN = 5  # keys shown in an error message


def fit_state_dict(expected: dict[str, torch.Tensor], given: dict[str, torch.Tensor],
                   where: str) -> dict[str, torch.Tensor]:
    """``given`` checked against the model's ``expected`` keys and shapes; IMP tensors of a
    broadcastable shape (e.g. ``(1, C, 1, 1)``) are expanded to the per-neuron shape."""
    missing = [k for k in expected if k not in given and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in given if k not in expected]
    if missing or unexpected:
        raise BadInputError(f"{where}: the state dict does not fit (missing: {show(missing)}; "
                            f"unexpected: {show(unexpected)})")
    fitted = {}
    for key, target in expected.items():
        value = given.get(key, target)
        if not torch.is_tensor(value):
            raise BadInputError(f"{where}: '{key}' is a {type(value).__name__}, not a tensor")
        if value.shape != target.shape:
            value = _broadcast(key, value, target, where)
        fitted[key] = value
    return fitted


def _broadcast(key: str, value: torch.Tensor, target: torch.Tensor, where: str) -> torch.Tensor:
    if key.endswith("init_state"):
        try:
            return value.expand_as(target).clone()
        except RuntimeError:
            pass
    raise BadInputError(f"{where}: '{key}' has shape {tuple(value.shape)}, the model expects "
                        f"{tuple(target.shape)}")


def show(keys: list[str]) -> str:
    """At most :data:`SHOWN` keys, comma-separated, for error messages."""
    if not keys:
        return "none"
    more = f" (+{len(keys) - SHOWN} more)" if len(keys) > SHOWN else ""
    return ", ".join(keys[:SHOWN]) + more
