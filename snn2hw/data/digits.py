"""scikit-learn's 8x8 digits (1,797 images shipped with the package): the one real dataset
available offline. Direct encoding: pixels scaled to [0, 1], the image fed at every step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

INPUT_SHAPE = (1, 8, 8)
TEST_FRACTION = 0.25
SPLIT_SEED = 0  # fixed: every command sees the same test set


@dataclass(frozen=True)
class Split:
    x: np.ndarray  # [N, 1, 8, 8] float32 in [0, 1]
    y: np.ndarray  # [N] int64


def digits_split(part: str = "test") -> Split:
    """The train or test part of digits (stratified 75/25 split, fixed seed)."""
    if part not in ("train", "test"):
        raise ValueError(f"part must be 'train' or 'test', got {part!r}")
    data = load_digits()
    images = (data.images / 16.0).astype(np.float32)[:, None]
    train, test = split(images, data.target.astype(np.int64))
    return train if part == "train" else test


def split(x: np.ndarray, y: np.ndarray) -> tuple[Split, Split]:
    """Train and test parts of any labelled set, as digits is split (75/25, stratified where
    every class has two samples or more, fixed seed)."""
    counts = np.unique(y, return_counts=True)[1]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_FRACTION, random_state=SPLIT_SEED,
        stratify=y if counts.min() >= 2 else None,
    )
    return Split(x_train, y_train), Split(x_test, y_test)


def digits_for_shape(shape: tuple[int, ...], part: str = "test",
                     samples: int | None = None) -> Split:
    """Digits shaped for a graph whose input is ``[1, 8, 8]`` or ``[64]``."""
    split = digits_split(part)
    x = split.x if tuple(shape) == INPUT_SHAPE else split.x.reshape(len(split.x), *shape)
    if samples is not None:
        return Split(x[:samples], split.y[:samples])
    return Split(x, split.y)
