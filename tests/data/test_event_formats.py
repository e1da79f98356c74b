"""Event recordings in the layouts users have (CIFAR10-DVS .aedat, N-Caltech101 .bin), read
through tonic and checked event by event against SpikingJelly's own readers and frame
integration (the paper's pipeline); resizing to the model's input."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

# spikingjelly.datasets imports torchaudio for its speech sets only; none matches torch 2.14.1
# here (requirements/nodeps.txt), so an empty module stands in while the readers are imported.
_absent = "torchaudio" not in sys.modules
sys.modules.setdefault("torchaudio", types.ModuleType("torchaudio"))
from spikingjelly.datasets import cifar10_dvs  # noqa: E402
from spikingjelly.datasets.utils import (  # noqa: E402
    integrate_events_by_fixed_frames_number,
    load_ATIS_bin,
)

if _absent:
    del sys.modules["torchaudio"]

from snn2hw.data.events import (  # noqa: E402
    EventFolder,
    events_to_frames,
    load_sample,
    read_sensor_events,
    resize_frames,
)
from snn2hw.errors import BadInputError  # noqa: E402


def write_cifar10_dvs(path, x, y, t, p) -> None:
    """An AER-DAT 2.0 file as CIFAR10-DVS ships it: '#' header lines, then big-endian
    (address, timestamp) pairs with the DVS128 address layout SpikingJelly decodes."""
    column, row = 127 - y, 127 - x  # SpikingJelly: x = 127 - row bits, y = 127 - column bits
    address = (row.astype(np.uint32) << 8) | (column.astype(np.uint32) << 1) | (1 - p)
    body = np.empty(2 * len(x), dtype=">u4")
    body[0::2], body[1::2] = address, t
    path.write_bytes(b"#!AER-DAT2.0\r\n# generated for a test\r\n" + body.tobytes())


def write_ncaltech(path, x, y, t, p) -> None:
    """N-Caltech101's 40-bit ATIS events: x, y, polarity bit + 23-bit timestamp."""
    raw = np.zeros((len(x), 5), dtype=np.uint8)
    raw[:, 0], raw[:, 1] = x, y
    raw[:, 2] = (p << 7) | ((t >> 16) & 0x7F)
    raw[:, 3], raw[:, 4] = (t >> 8) & 0xFF, t & 0xFF
    path.write_bytes(raw.tobytes())


def random_events(rng, n, height, width):
    return (rng.integers(0, width, n), rng.integers(0, height, n),
            np.sort(rng.integers(0, 2**20, n)), rng.integers(0, 2, n))


def test_cifar10_dvs_aedat_reads_as_spikingjelly(tmp_path):
    x, y, t, p = random_events(np.random.default_rng(0), 300, 128, 128)
    write_cifar10_dvs(tmp_path / "a.aedat", x, y, t, p)
    events, sensor = read_sensor_events(tmp_path / "a.aedat")
    theirs = cifar10_dvs._load_origin_data(tmp_path / "a.aedat")
    assert sensor == (128, 128)
    for key, ours in (("x", x), ("y", y), ("t", t), ("p", p)):
        assert np.array_equal(events[key], theirs[key]) and np.array_equal(events[key], ours)


def test_ncaltech_bin_reads_as_spikingjelly(tmp_path):
    x, y, t, p = random_events(np.random.default_rng(1), 200, 180, 240)
    write_ncaltech(tmp_path / "image_0001.bin", x, y, t, p)
    events, sensor = read_sensor_events(tmp_path / "image_0001.bin")
    theirs = load_ATIS_bin(tmp_path / "image_0001.bin")
    assert sensor == (180, 240)
    for key, ours in (("x", x), ("y", y), ("t", t), ("p", p)):
        assert np.array_equal(events[key], theirs[key]) and np.array_equal(events[key], ours)


@pytest.mark.parametrize("n, T", [(300, 4), (301, 4), (7, 3), (2, 5)])
def test_frames_equal_spikingjelly_split_by_number(n, T):
    x, y, t, p = random_events(np.random.default_rng(n), n, 6, 9)
    events = {"x": x, "y": y, "t": t, "p": p}
    theirs = integrate_events_by_fixed_frames_number(events, "number", T, 6, 9)
    assert np.array_equal(events_to_frames(events, T, (6, 9)), theirs)


def test_resize_keeps_a_uniform_frame_and_the_mean():
    frames = np.ones((2, 2, 128, 128), dtype=np.float32)
    assert np.allclose(resize_frames(frames, (48, 48)), 1.0)
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 4, (1, 2, 128, 128)).astype(np.float32)
    small = resize_frames(counts, (64, 64))  # an exact factor 2: antialiasing averages 2x2
    assert small.shape == (1, 2, 64, 64)
    assert np.isclose(small.mean(), counts.mean(), rtol=0.02)
    stripes = np.zeros((1, 2, 128, 128), dtype=np.float32)
    stripes[..., ::2] = 2  # one-pixel stripes: antialiasing blurs them to ~1, plain bilinear
    assert np.abs(resize_frames(stripes, (48, 48)) - 1).max() < 0.1  # aliases to 1/3 .. 5/3


def test_event_folder_resizes_cifar10_dvs_to_the_model(tmp_path):
    rng = np.random.default_rng(4)
    for label in ("airplane", "automobile"):
        (tmp_path / label).mkdir()
        write_cifar10_dvs(tmp_path / label / "cifar10_0.aedat", *random_events(rng, 500, 128, 128))
    data = EventFolder(tmp_path, T=4, size=(48, 48))
    frames, label = data[1]
    assert len(data) == 2 and label == 1 and tuple(frames.shape) == (4, 2, 48, 48)
    full = load_sample(tmp_path / "automobile" / "cifar10_0.aedat", 4, (128, 128))
    assert full.sum() == 500
    assert np.allclose(frames.numpy(), resize_frames(full, (48, 48)))


def test_corrupt_recordings_are_named(tmp_path):
    (tmp_path / "bad.aedat").write_bytes(b"#!AER-DAT3.1\r\n" + b"\0" * 12)
    with pytest.raises(BadInputError, match="bad.aedat"):
        read_sensor_events(tmp_path / "bad.aedat")
    (tmp_path / "odd.aedat").write_bytes(b"#!AER-DAT2.0\r\n" + b"\0" * 6)
    with pytest.raises(BadInputError, match="odd.aedat"):
        read_sensor_events(tmp_path / "odd.aedat")
    write_ncaltech(tmp_path / "wide.bin", np.array([250]), np.array([0]), np.array([0]),
                   np.array([1]))
    with pytest.raises(BadInputError, match="outside the 180x240 sensor"):
        load_sample(tmp_path / "wide.bin", 2, (48, 48))
    (tmp_path / "cut.bin").write_bytes(b"\0" * 7)
    with pytest.raises(BadInputError, match="cut.bin: truncated"):
        read_sensor_events(tmp_path / "cut.bin")
