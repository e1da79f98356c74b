"""Event-camera datasets (CIFAR10-DVS, N-Caltech101): events binned into ``T`` frames and
resized to the model's input.

Files are read with tonic's readers (local files only, nothing is downloaded):

- ``.aedat``: CIFAR10-DVS as published (AER-DAT 2.0, a 128x128 DVS128); addresses decoded as
  SpikingJelly decodes them (the paper's pipeline), which differs from tonic's DVS128 layout by a
  180-degree rotation and swapped polarities;
- ``.bin``: N-Caltech101's ATIS recordings (40-bit events), on SpikingJelly's 180x240 sensor;
- ``.npz``: integer arrays ``x``, ``y``, ``t``, ``p`` (and optionally ``sensor`` = ``[H, W]``;
  without it the sensor is the model's input size), as common conversions store them;
- ``.npy``: frames already integrated, ``[T, 2, H, W]``.

Frames are ``[T, 2, H, W]`` event counts split into ``T`` slices by event number as
SpikingJelly's ``split_by='number'`` does (``N // T`` events each, the last slice takes the
rest), then resized to the model's ``H, W`` with torchvision's antialiased bilinear resize (the
``transforms.Resize`` the paper's DVS pipelines apply to frames). A dataset is a folder
``root/<class>/<file>``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from snn2hw.errors import BadInputError

FIELDS = ("x", "y", "t", "p")
SUFFIXES = (".npz", ".npy", ".aedat", ".bin")
SENSORS = {".aedat": (128, 128), ".bin": (180, 240)}  # (H, W): CIFAR10-DVS, N-Caltech101


def _tonic_io():
    import tonic.io  # imported on use: tonic pulls in its dataset modules

    return tonic.io


def _read_npz(path: Path) -> tuple[dict[str, np.ndarray], tuple[int, int] | None]:
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in FIELDS if k not in data.files]
            if missing:
                raise BadInputError(f"{path}: event file lacks the arrays {', '.join(missing)}")
            events = {k: np.asarray(data[k]).reshape(-1) for k in FIELDS}
            sensor = [int(s) for s in data["sensor"]] if "sensor" in data.files else None
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path}: not a readable .npz event file ({exc})") from exc
    if sensor is None:
        return events, None
    if len(sensor) != 2:
        raise BadInputError(f"{path}: 'sensor' must be [H, W], got {sensor}")
    return events, (sensor[0], sensor[1])


def _read_aedat(path: Path) -> dict[str, np.ndarray]:
    """CIFAR10-DVS's AER-DAT 2.0 file: tonic reads the header and the (address, time) pairs; the
    DVS128 address is decoded by hand because tonic's own ``read_dvs_128`` (1.7.0) unpacks the
    header reader's three values into two and fails."""
    io = _tonic_io()
    version, start, _ = io.read_aedat_header_from_file(str(path))
    if not 2 <= version < 3:
        raise BadInputError(f"{path}: AER-DAT {version} file; CIFAR10-DVS files are AER-DAT 2.0")
    if (path.stat().st_size - start) % 8:
        raise BadInputError(f"{path}: truncated (events are 8-byte address, time pairs)")
    raw = io.get_aer_events_from_file(str(path), version, start)
    address = raw["address"].astype(np.int64)
    column, row = (address & 0xFE) >> 1, (address & 0x7F00) >> 8
    return {"x": 127 - row, "y": 127 - column, "t": raw["timeStamp"].astype(np.int64),
            "p": 1 - (address & 1)}


def _read_bin(path: Path) -> dict[str, np.ndarray]:
    """An N-Caltech101 / N-MNIST ATIS file, read by tonic."""
    if path.stat().st_size % 5:
        raise BadInputError(f"{path}: truncated (ATIS events are 5 bytes)")
    dtype = np.dtype([("x", np.int64), ("y", np.int64), ("t", np.int64), ("p", np.int64)])
    events = _tonic_io().read_mnist_file(str(path), dtype=dtype)
    return {k: np.asarray(events[k]) for k in FIELDS}


def read_sensor_events(path: str | Path) -> tuple[dict[str, np.ndarray], tuple[int, int] | None]:
    """The events of ``path`` sorted by time, and the sensor's ``(H, W)`` where the format
    says it; errors name the file and the problem."""
    path = Path(path)
    sensor = SENSORS.get(path.suffix)
    try:
        if path.suffix == ".aedat":
            events = _read_aedat(path)
        elif path.suffix == ".bin":
            events = _read_bin(path)
        else:
            events, sensor = _read_npz(path)
    except (OSError, ValueError, AssertionError, IndexError) as exc:
        raise BadInputError(f"{path}: not a readable {path.suffix} event file ({exc})") from exc
    if len({len(v) for v in events.values()}) != 1:
        raise BadInputError(f"{path}: arrays x, y, t, p differ in length")
    order = np.argsort(events["t"], kind="stable")
    return {k: v[order] for k, v in events.items()}, sensor


def read_events(path: str | Path) -> dict[str, np.ndarray]:
    """The event arrays of ``path``, sorted by time."""
    return read_sensor_events(path)[0]


def events_to_frames(events: dict[str, np.ndarray], T: int, size: tuple[int, int]) -> np.ndarray:
    """Counts ``[T, 2, H, W]`` on a sensor of ``size``: slice ``j < T-1`` holds events
    ``[j*(N//T), (j+1)*(N//T))``, the last one the rest (SpikingJelly's ``split_by='number'``;
    tonic's ``n_event_bins`` would drop the remainder)."""
    from tonic.slicers import slice_events_at_indices

    height, width = size
    x, y = events["x"].astype(np.int64), events["y"].astype(np.int64)
    if len(x) and (x.max() >= width or y.max() >= height or x.min() < 0 or y.min() < 0):
        raise BadInputError(f"events fall outside the {height}x{width} sensor")
    table = np.zeros(len(x), dtype=[("x", np.int64), ("y", np.int64), ("p", np.int64)])
    table["x"], table["y"], table["p"] = x, y, events["p"].astype(np.int64).clip(0, 1)
    starts = np.arange(T) * (len(x) // T)
    ends = np.append(starts[1:], len(x))
    frames = np.zeros((T, 2, height, width), dtype=np.float32)
    for j, part in enumerate(slice_events_at_indices(table, starts, ends)):
        np.add.at(frames[j], (part["p"], part["y"], part["x"]), 1.0)
    return frames


def resize_frames(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Frames ``[T, C, h, w]`` resized to ``size`` (antialiased bilinear, as torchvision's
    ``Resize`` on tensors); unchanged when they already have that size."""
    if tuple(frames.shape[-2:]) == tuple(size):
        return frames
    from torchvision.transforms.functional import resize

    return resize(torch.from_numpy(frames), list(size), antialias=True).numpy()


def read_frames(path: str | Path, T: int) -> np.ndarray:
    """Frames ``[T, 2, H, W]`` from a ``.npy`` file; its first two sizes must be ``T, 2``."""
    path = Path(path)
    try:
        frames = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path}: not a readable .npy frame file ({exc})") from exc
    if frames.ndim != 4 or frames.shape[:2] != (T, 2):
        raise BadInputError(f"{path}: frames have shape {list(frames.shape)}, "
                            f"expected [{T}, 2, H, W]")
    return frames.astype(np.float32)


def load_sample(path: str | Path, T: int, size: tuple[int, int]) -> np.ndarray:
    """Frames ``[T, 2, *size]`` from an event file or a frame file (``.npy``)."""
    if Path(path).suffix == ".npy":
        return resize_frames(read_frames(path, T), size)
    events, sensor = read_sensor_events(path)
    return resize_frames(events_to_frames(events, T, sensor or size), size)


class EventFolder(Dataset):
    """``root/<class>/<file>`` event or frame files as ``(frames [T, 2, H, W], class index)``,
    ``size`` = the model's ``(H, W)``."""

    def __init__(self, root: str | Path, T: int, size: tuple[int, int] = (128, 128)):
        root = Path(root)
        if not root.is_dir():
            raise BadInputError(f"{root}: no such folder")
        self.classes = sorted(d.name for d in root.iterdir() if d.is_dir())
        self.samples = [(f, i) for i, c in enumerate(self.classes)
                        for f in sorted((root / c).iterdir()) if f.suffix in SUFFIXES]
        if not self.samples:
            raise BadInputError(f"{root}: no <class>/<file> with an event or frame suffix "
                                f"({', '.join(SUFFIXES)})")
        self.T, self.size = T, size

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        path, label = self.samples[index]
        return torch.from_numpy(load_sample(path, self.T, self.size)), label
