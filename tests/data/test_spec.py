"""The one --dataset spec parser and loader every command uses."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from snn2hw.data.images import IMAGENET_MEAN, IMAGENET_STD
from snn2hw.data.spec import DatasetSpec, load_spec, parse_spec
from snn2hw.errors import BadInputError


def test_parse_each_kind(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((2, 3)))
    np.save(tmp_path / "y.npy", np.zeros(2))
    assert parse_spec("digits") == DatasetSpec("digits")
    assert parse_spec(f"imagefolder:{tmp_path}") == DatasetSpec("imagefolder", tmp_path)
    assert parse_spec(f"events:{tmp_path}") == DatasetSpec("events", tmp_path)
    assert parse_spec(f"npy:{tmp_path}/x.npy") == DatasetSpec("npy", tmp_path / "x.npy")
    both = parse_spec(f"npy:{tmp_path}/x.npy,{tmp_path}/y.npy")
    assert both == DatasetSpec("npy", tmp_path / "x.npy", tmp_path / "y.npy")
    assert str(both) == f"npy:{tmp_path}/x.npy,{tmp_path}/y.npy"


@pytest.mark.parametrize("text, message", [
    ("cifar", "'cifar' is not a dataset"),
    ("digits:x", "digits takes no path"),
    ("events:", "events needs a path"),
    ("imagefolder:/absent", "/absent: no such folder"),
    ("npy:/absent.npy", "/absent.npy: no such file"),
])
def test_bad_specs_name_the_problem(text, message):
    with pytest.raises(BadInputError, match=message):
        parse_spec(text)


def test_npy_samples_cut_the_batch_axis_of_either_layout(tmp_path):
    np.save(tmp_path / "s.npy", np.arange(5 * 3, dtype=np.float32).reshape(5, 3))
    np.save(tmp_path / "t.npy", np.zeros((4, 5, 3), dtype=np.float32))
    np.save(tmp_path / "y.npy", np.arange(5))
    x, y = load_spec(f"npy:{tmp_path}/s.npy,{tmp_path}/y.npy", (3,), samples=2)
    assert x.tolist() == [[0, 1, 2], [3, 4, 5]] and y.tolist() == [0, 1]
    x, y = load_spec(f"npy:{tmp_path}/t.npy", (3,), samples=2)
    assert x.shape == (4, 2, 3) and y is None
    with pytest.raises(BadInputError, match="y.npy: 5 labels for 4 samples"):
        load_spec(f"npy:{tmp_path}/t.npy,{tmp_path}/y.npy", (5, 3))


def test_image_folder_at_the_model_size_with_imagenet_normalisation(tmp_path):
    for label, colour in (("cat", (255, 0, 0)), ("dog", (0, 0, 255))):
        (tmp_path / label).mkdir()
        for i in range(3):
            Image.new("RGB", (64, 40), colour).save(tmp_path / label / f"{i}.png")
    x, y = load_spec(f"imagefolder:{tmp_path}", (3, 24, 32), samples=5)
    assert x.shape == (5, 3, 24, 32) and y.tolist() == [0, 0, 0, 1, 1]
    red = [(1 - IMAGENET_MEAN[0]) / IMAGENET_STD[0], -IMAGENET_MEAN[1] / IMAGENET_STD[1]]
    assert np.allclose(x[0, :2], np.array(red)[:, None, None], atol=1e-5)
    framed = Image.new("RGB", (512, 512), (0, 0, 255))
    framed.paste((255, 0, 0), (16, 16, 496, 496))  # a blue frame outside the centre crop
    (tmp_path / "framed").mkdir()
    framed.save(tmp_path / "framed" / "0.png")
    x, _ = load_spec(f"imagefolder:{tmp_path}", (3, 64, 64))
    assert np.allclose(x[-1, 0], red[0], atol=1e-5)  # resize to 64 / 0.875, crop 64: all red
    with pytest.raises(BadInputError, match=r"images give \[3, H, W\]"):
        load_spec(f"imagefolder:{tmp_path}", (2, 24, 32))


def test_event_folder_is_time_major_at_the_model_size(tmp_path):
    rng = np.random.default_rng(0)
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        np.savez(tmp_path / label / "0.npz", x=rng.integers(0, 32, 40),
                 y=rng.integers(0, 32, 40), t=np.arange(40), p=rng.integers(0, 2, 40),
                 sensor=np.array([32, 32]))
    x, y = load_spec(f"events:{tmp_path}", (2, 16, 16), T=3)
    assert x.shape == (3, 2, 2, 16, 16) and y.tolist() == [0, 1]
    assert np.isclose(x[:, 0].sum(), 40 / 4, rtol=0.05)  # 32 -> 16: the mean count kept
    with pytest.raises(BadInputError, match="needs --T"):
        load_spec(f"events:{tmp_path}", (2, 16, 16))
    with pytest.raises(BadInputError, match=r"event frames are \[2, H, W\]"):
        load_spec(f"events:{tmp_path}", (3, 16, 16), T=3)
