"""Event-camera datasets (CIFAR10-DVS, N-Caltech101): events binned into ``T`` frames.

An event file is a ``.npz`` with integer arrays ``x``, ``y``, ``t`` (timestamps) and ``p``
(polarity 0/1), as the common conversions of CIFAR10-DVS store them; frames are
``[T, 2, H, W]`` event counts, the events split into ``T`` slices of equal event number
(SpikingJelly's fixed-frames-number integration). Already integrated frames can be stored as
``.npy`` arrays ``[T, 2, H, W]``. A dataset is a folder ``root/<class>/*.npz|*.npy``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from snn2hw.errors import BadInputError

FIELDS = ("x", "y", "t", "p")
SUFFIXES = (".npz", ".npy")


def read_events(path: str | Path) -> dict[str, np.ndarray]:
    """The event arrays of ``path``, sorted by time; errors name the file and the problem."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in FIELDS if k not in data.files]
            if missing:
                raise BadInputError(f"{path}: event file lacks the arrays {', '.join(missing)}")
            events = {k: np.asarray(data[k]).reshape(-1) for k in FIELDS}
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path}: not a readable .npz event file ({exc})") from exc
    if len({len(v) for v in events.values()}) != 1:
        raise BadInputError(f"{path}: arrays x, y, t, p differ in length")
    order = np.argsort(events["t"], kind="stable")
    return {k: v[order] for k, v in events.items()}


def events_to_frames(events: dict[str, np.ndarray], T: int, size: tuple[int, int]) -> np.ndarray:
    """Counts ``[T, 2, H, W]``: slice ``j`` holds events ``[j*N//T, (j+1)*N//T)``."""
    height, width = size
    x, y, p = (events[k].astype(np.int64) for k in ("x", "y", "p"))
    if len(x) and (x.max() >= width or y.max() >= height or x.min() < 0 or y.min() < 0):
        raise BadInputError(f"events fall outside the {height}x{width} sensor")
    frames = np.zeros((T, 2, height, width), dtype=np.float32)
    bounds = (np.arange(T + 1) * len(x)) // T
    for j in range(T):
        sl = slice(bounds[j], bounds[j + 1])
        np.add.at(frames[j], (p[sl].clip(0, 1), y[sl], x[sl]), 1.0)
    return frames


def read_frames(path: str | Path, T: int, size: tuple[int, int]) -> np.ndarray:
    """Frames ``[T, 2, H, W]`` from a ``.npy`` file; its shape must match ``T`` and ``size``."""
    path = Path(path)
    try:
        frames = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path}: not a readable .npy frame file ({exc})") from exc
    expected = (T, 2, *size)
    if frames.shape != expected:
        raise BadInputError(f"{path}: frames have shape {list(frames.shape)}, "
                            f"expected {list(expected)} ([T, 2, H, W])")
    return frames.astype(np.float32)


def load_sample(path: str | Path, T: int, size: tuple[int, int]) -> np.ndarray:
    """Frames ``[T, 2, H, W]`` from an event file (``.npz``) or a frame file (``.npy``)."""
    if Path(path).suffix == ".npy":
        return read_frames(path, T, size)
    return events_to_frames(read_events(path), T, size)


class EventFolder(Dataset):
    """``root/<class>/*.npz`` event files or ``*.npy`` frame files as
    ``(frames [T, 2, H, W], class index)``."""

    def __init__(self, root: str | Path, T: int, size: tuple[int, int] = (128, 128)):
        root = Path(root)
        if not root.is_dir():
            raise BadInputError(f"{root}: no such folder")
        self.classes = sorted(d.name for d in root.iterdir() if d.is_dir())
        self.samples = [(f, i) for i, c in enumerate(self.classes)
                        for f in sorted((root / c).iterdir()) if f.suffix in SUFFIXES]
        if not self.samples:
            raise BadInputError(f"{root}: no <class>/*.npz event or *.npy frame files")
        self.T, self.size = T, size

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        path, label = self.samples[index]
        return torch.from_numpy(load_sample(path, self.T, self.size)), label
