"""``--dataset`` specs: one parser and one loader for every command.

``digits`` (scikit-learn's bundled 8x8 digits), ``imagefolder:PATH`` (``PATH/<class>/<image>``,
the paper's ImageNet preprocessing at the model's input size), ``events:PATH``
(``PATH/<class>/<recording>``: CIFAR10-DVS ``.aedat``, N-Caltech101 ``.bin``, ``.npz`` events or
``.npy`` frames; see :mod:`snn2hw.data.events`) and ``npy:X.npy[,y.npy]`` (inputs as for
``--input``, optional integer labels). Parsing imports nothing heavy, so the CLI checks a spec
before any work."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from snn2hw.errors import BadInputError

KINDS = ("digits", "imagefolder", "events", "npy")
SYNTAX = "digits, imagefolder:PATH, events:PATH or npy:X.npy[,y.npy]"
BATCH = 64  # samples decoded per step of the progress bar


@dataclass(frozen=True)
class DatasetSpec:
    """A parsed ``--dataset`` value."""

    kind: str
    path: Path | None = None
    labels: Path | None = None

    def __str__(self) -> str:
        if self.kind == "digits":
            return "digits"
        labels = f",{self.labels}" if self.labels else ""
        return f"{self.kind}:{self.path}{labels}"


def parse_spec(text: str) -> DatasetSpec:
    """The spec ``text`` names, its files and folders checked to exist (BadInputError)."""
    kind, _, rest = str(text).partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise BadInputError(f"'{text}' is not a dataset (use {SYNTAX})")
    if kind == "digits":
        if rest:
            raise BadInputError(f"'{text}': digits takes no path")
        return DatasetSpec("digits")
    if not rest:
        raise BadInputError(f"'{text}': {kind} needs a path ({kind}:PATH)")
    if kind != "npy":
        return DatasetSpec(kind, _existing(rest, folder=True))
    inputs, comma, labels = rest.rpartition(",")
    if not comma or not labels.lower().endswith(".npy"):  # a comma inside a single file name
        inputs, labels = rest, ""
    return DatasetSpec("npy", _existing(inputs, folder=False),
                       _existing(labels, folder=False) if labels else None)


def _existing(text: str, folder: bool) -> Path:
    path = Path(os.path.expanduser(text))
    if folder and not path.is_dir():
        raise BadInputError(f"{path}: no such folder")
    if not folder and not path.is_file():
        raise BadInputError(f"{path}: no such file")
    return path


def load_labels(path: str | os.PathLike) -> np.ndarray:
    """Integer class labels ``[B]`` from a ``.npy`` file."""
    from snn2hw.runner import load_array

    array = load_array(path)
    if array.dtype.kind not in "iu" and not (array.dtype.kind == "f"
                                              and np.all(array == np.round(array))):
        raise BadInputError(f"{path}: labels must be integers, got {array.dtype}")
    return array.reshape(-1).astype(np.int64)


def load_spec(spec: DatasetSpec | str, shape: Sequence[int], T: int | None = None,
              samples: int | None = None, part: str = "test", progress: bool = False
              ) -> tuple[np.ndarray, np.ndarray | None]:
    """Inputs and labels for a model whose per-sample input is ``shape``: static sets give
    ``[B, *shape]`` (repeated over T by the runner), event sets ``[T, B, *shape]``, ``npy``
    whatever its file holds (``[B, ...]`` or ``[T, B, ...]``). ``samples`` keeps the first N;
    ``part`` picks digits' train or test split (the other kinds are used whole)."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    dims = tuple(int(s) for s in shape)
    if spec.kind == "digits" or spec.path is None:
        return _digits(dims, part, samples)
    if spec.kind == "npy":
        return _npy(spec.path, spec.labels, dims, samples)
    return _folder(spec.kind, spec.path, dims, T, samples, progress)


def _folder(kind: str, root: Path, shape: tuple[int, ...], T: int | None,
            samples: int | None, progress: bool) -> tuple[np.ndarray, np.ndarray]:
    """An image folder ``[B, 3, H, W]`` or an event folder ``[T, B, 2, H, W]``."""
    if kind == "imagefolder":
        if len(shape) != 3 or shape[0] != 3:
            raise BadInputError(f"{root}: images give [3, H, W]; the model's input is "
                                f"{list(shape)}")
        from snn2hw.data.images import image_folder

        return _decode(image_folder(root, size=(shape[1], shape[2])), samples, progress,
                       f"images {root.name}")
    if len(shape) != 3 or shape[0] != 2:
        raise BadInputError(f"{root}: event frames are [2, H, W] (two polarities); the "
                            f"model's input is {list(shape)}")
    if not T:
        raise BadInputError(f"{root}: event data needs --T (the model stores no T)")
    from snn2hw.data.events import EventFolder

    dataset = EventFolder(root, int(T), size=(shape[1], shape[2]))
    x, y = _decode(dataset, samples, progress, f"events {root.name}")
    return np.ascontiguousarray(x.swapaxes(0, 1)), y  # [B, T, ...] -> [T, B, ...]


def _digits(shape: tuple[int, ...], part: str, samples: int | None
            ) -> tuple[np.ndarray, np.ndarray]:
    from snn2hw.data.digits import digits_for_shape

    if int(np.prod(shape)) != 64:
        raise BadInputError(f"digits samples have 64 pixels; the model expects {list(shape)}")
    split = digits_for_shape(shape, part, samples)
    return split.x, split.y


def _npy(path: Path, labels_path: Path | None, shape: tuple[int, ...], samples: int | None
         ) -> tuple[np.ndarray, np.ndarray | None]:
    from snn2hw.runner import load_array

    x = load_array(path)
    axis = 1 if x.ndim == len(shape) + 2 else 0  # the batch axis of [T, B, ...] or [B, ...]
    if tuple(x.shape[axis + 1:]) != shape:
        raise BadInputError(f"{path}: samples of shape {list(x.shape[axis + 1:])}; the "
                            f"model's input is {list(shape)} ([B, ...] or [T, B, ...])")
    labels = load_labels(labels_path) if labels_path else None
    if labels is not None and len(labels) != x.shape[axis]:
        raise BadInputError(f"{labels_path}: {len(labels)} labels for {x.shape[axis]} samples "
                            f"in {path}")
    if samples:
        x = x[:, :samples] if axis else x[:samples]
        labels = None if labels is None else labels[:samples]
    return x, labels


def _decode(dataset, samples: int | None, progress: bool, what: str
            ) -> tuple[np.ndarray, np.ndarray]:
    """The first ``samples`` items of a torch dataset, decoded in batches with a progress bar."""
    import torch
    from torch.utils.data import DataLoader, Subset
    from tqdm import tqdm

    count = min(samples or len(dataset), len(dataset))
    loader = DataLoader(Subset(dataset, range(count)), batch_size=BATCH, shuffle=False)
    xs, ys = [], []
    for x, y in tqdm(loader, desc=f"load {what}", disable=not progress, leave=False,
                     unit="batch"):
        xs.append(x.numpy())
        ys.append(torch.as_tensor(y).numpy())
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64)
