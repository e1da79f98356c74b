"""Dataset loaders on small generated files, and the bundled digits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from snn2hw.data import load_dataset
from snn2hw.data.digits import digits_split
from snn2hw.data.events import EventFolder, events_to_frames, read_events, read_frames
from snn2hw.data.images import image_folder
from snn2hw.errors import BadInputError

from .backends.reference.graphs import chain, identity_affine


def test_digits_split_is_fixed_scaled_and_disjoint():
    train, test = digits_split("train"), digits_split("test")
    assert train.x.shape == (1347, 1, 8, 8) and test.x.shape == (450, 1, 8, 8)
    assert train.x.min() == 0.0 and train.x.max() == 1.0
    assert np.array_equal(test.y, digits_split("test").y)
    assert np.all(np.isin(np.unique(train.x * 16), np.arange(17)))


def test_load_dataset_shapes_for_flat_graphs_and_refuses_others():
    x, y = load_dataset("digits", chain(("a", identity_affine(64)), n_in=64), samples=5)
    assert x.shape == (5, 64) and y.shape == (5,)
    with pytest.raises(BadInputError, match="64 pixels"):
        load_dataset("digits", chain(("a", identity_affine(3)), n_in=3))


def test_image_folder(tmp_path):
    for label, colour in (("cat", 255), ("dog", 0)):
        (tmp_path / label).mkdir()
        Image.new("RGB", (40, 30), (colour, 0, 0)).save(tmp_path / label / "a.png")
    data = image_folder(tmp_path, size=32)
    image, label = data[1]
    assert data.classes == ["cat", "dog"] and label == 1
    assert tuple(image.shape) == (3, 32, 32)


def test_image_folder_missing(tmp_path):
    with pytest.raises(BadInputError, match="no such folder"):
        image_folder(tmp_path / "absent")


def test_events_to_frames_counts_by_equal_event_slices():
    events = {"x": np.array([0, 1, 1, 2]), "y": np.array([0, 0, 1, 1]),
              "t": np.array([5, 1, 9, 7]), "p": np.array([1, 0, 1, 1])}
    order = np.argsort(events["t"])
    frames = events_to_frames({k: v[order] for k, v in events.items()}, T=2, size=(2, 3))
    assert frames.shape == (2, 2, 2, 3) and frames.sum() == 4
    # time order: t=1 (x1,y0,p0), t=5 (x0,y0,p1) | t=7 (x2,y1,p1), t=9 (x1,y1,p1)
    assert frames[0, 0, 0, 1] == 1 and frames[0, 1, 0, 0] == 1
    assert frames[1, 1, 1, 2] == 1 and frames[1, 1, 1, 1] == 1


def test_event_folder_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    for label in ("airplane", "car"):
        (tmp_path / label).mkdir()
        n = 50
        np.savez(tmp_path / label / "0.npz", x=rng.integers(0, 16, n), y=rng.integers(0, 16, n),
                 t=np.sort(rng.integers(0, 1000, n)), p=rng.integers(0, 2, n))
    data = EventFolder(tmp_path, T=5, size=(16, 16))
    frames, label = data[1]
    assert len(data) == 2 and label == 1 and tuple(frames.shape) == (5, 2, 16, 16)
    assert float(frames.sum()) == 50


def test_bad_event_files(tmp_path):
    np.savez(tmp_path / "bad.npz", x=np.zeros(3))
    with pytest.raises(BadInputError, match="lacks the arrays y, t, p"):
        read_events(tmp_path / "bad.npz")
    (tmp_path / "junk.npz").write_text("no")
    with pytest.raises(BadInputError, match="junk.npz"):
        read_events(tmp_path / "junk.npz")
    with pytest.raises(BadInputError, match="outside"):
        events_to_frames({"x": np.array([5]), "y": np.array([0]), "t": np.array([0]),
                          "p": np.array([0])}, T=1, size=(2, 2))


def test_event_folder_mixes_event_and_frame_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    frames = np.arange(3 * 2 * 4 * 5, dtype=np.int16).reshape(3, 2, 4, 5)
    np.save(tmp_path / "b" / "0.npy", frames)
    np.savez(tmp_path / "a" / "0.npz", x=np.array([4]), y=np.array([3]), t=np.array([0]),
             p=np.array([1]))
    (tmp_path / "a" / "notes.txt").write_text("ignored")
    data = EventFolder(tmp_path, T=3, size=(4, 5))
    assert len(data) == 2
    loaded, label = data[1]
    assert label == 1 and loaded.dtype == torch.float32
    assert np.array_equal(loaded.numpy(), frames.astype(np.float32))
    events, _ = data[0]
    # one event, T = 3: slice bounds (0, 1, 2, 3) * 1 // 3 = 0, 0, 0, 1 -> it lands in frame 2
    assert float(events.sum()) == 1 and events[2, 1, 3, 4] == 1


def test_bad_frame_files(tmp_path):
    np.save(tmp_path / "short.npy", np.zeros((2, 2, 4, 5)))
    with pytest.raises(BadInputError, match=r"short.npy: frames have shape \[2, 2, 4, 5\], "
                                            r"expected \[3, 2, H, W\]"):
        read_frames(tmp_path / "short.npy", T=3)
    (tmp_path / "junk.npy").write_text("no")
    with pytest.raises(BadInputError, match="junk.npy: not a readable .npy frame file"):
        read_frames(tmp_path / "junk.npy", T=3)
    with pytest.raises(BadInputError, match="no <class>/"):
        EventFolder(tmp_path, T=3, size=(4, 5))
