"""Datasets: scikit-learn's bundled digits, image folders, and event files."""

from __future__ import annotations

import nir
import numpy as np

from snn2hw.errors import BadInputError
from snn2hw.ir.graph_utils import graph_input_shape

DATASETS = ("digits",)
INPUT_SCALES = {"digits": 16.0}  # integer steps of the data (digits pixels are k/16)


def load_dataset(name: str, graph: nir.NIRGraph, samples: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The test split of a bundled dataset shaped for ``graph``: static inputs ``[B, ...]`` and
    integer labels ``[B]``."""
    from snn2hw.data.digits import digits_for_shape

    if name not in DATASETS:
        raise BadInputError(f"unknown dataset '{name}' (known: {', '.join(DATASETS)})")
    shape = graph_input_shape(graph)
    if int(np.prod(shape)) != 64:
        raise BadInputError(f"digits samples have 64 pixels; the graph expects {shape}")
    split = digits_for_shape(shape, "test", samples)
    return split.x, split.y
