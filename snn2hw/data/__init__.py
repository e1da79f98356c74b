"""Datasets: scikit-learn's bundled digits, image folders, event files and ``.npy`` arrays, all
named by one ``--dataset`` spec (:mod:`snn2hw.data.spec`)."""

from __future__ import annotations

import nir
import numpy as np

from snn2hw.data.spec import DatasetSpec, load_spec, parse_spec
from snn2hw.ir import metadata
from snn2hw.ir.graph_utils import graph_input_shape

DATASETS = ("digits",)  # the bundled ones (no path)
INPUT_SCALES = {"digits": 16.0, "events": 1.0}  # integer steps of the data (digits are k/16)


def input_scale(spec: DatasetSpec | str) -> float | None:
    """The fixed-point input scale a dataset's values are integers at (None: not known)."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    return INPUT_SCALES.get(spec.kind)


def load_dataset(spec: DatasetSpec | str, graph: nir.NIRGraph, samples: int | None = None,
                 T: int | None = None, progress: bool = False
                 ) -> tuple[np.ndarray, np.ndarray | None]:
    """A dataset shaped for ``graph``: static inputs ``[B, ...]`` (digits: the test split;
    image folders) or ``[T, B, ...]`` (event folders: ``T`` or the graph's), and integer
    labels ``[B]`` (None for ``npy:`` without labels)."""
    T = T or metadata.graph_value(graph, metadata.T)
    return load_spec(spec, graph_input_shape(graph), T, samples, progress=progress)
