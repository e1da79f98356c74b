"""Turning what a user points ``export`` at into a model: an snn2hw checkpoint, or a checkpoint
of the paper's code / a bare state_dict (read by :mod:`snn2hw.paper_checkpoint`, which infers
the architecture, T and input size; ``arch``, ``T`` and ``input_shape`` override them)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from torch import nn

from snn2hw.checkpoint import FORMAT, Checkpoint, load_checkpoint, read_torch_file
from snn2hw.errors import BadInputError
from snn2hw.nn.architectures import architecture_builder
from snn2hw.paper_checkpoint import load_paper_checkpoint


@dataclass
class ModelSource:
    """A model ready to export, and what the graph needs to know about it."""

    model: nn.Module
    input_shape: list[int]
    T: int
    static_input: bool
    readout: str
    arch: str


def load_model_source(
    path: str | os.PathLike,
    *,
    arch: str | None = None,
    T: int | None = None,
    input_shape: Sequence[int] | None = None,
    readout: str | None = None,
    trust: bool = False,
) -> ModelSource:
    """The model in ``path``; explicit ``arch``/``T``/``input_shape``/``readout`` override what
    the file stores or implies."""
    ckpt = _checkpoint(path, arch, T, input_shape, readout, trust)
    if arch and arch != ckpt.arch:
        raise BadInputError(f"{path}: holds architecture '{ckpt.arch}', not '{arch}'")
    return ModelSource(
        model=ckpt.build(), input_shape=list(input_shape or ckpt.input_shape), T=int(T or ckpt.T),
        static_input=ckpt.static_input, readout=readout or ckpt.readout, arch=ckpt.arch,
    )


def _checkpoint(path, arch, T, input_shape, readout, trust) -> Checkpoint:
    data = read_torch_file(path, trust=trust)
    if isinstance(data, Mapping) and data.get("format") == FORMAT:
        return load_checkpoint(path, trust=trust)
    if arch:
        architecture_builder(arch)  # unknown names: one clear error listing the known ones
    config = None
    if input_shape is not None and len(input_shape) == 3:
        channels, *size = (int(s) for s in input_shape)
        config = {"in_channels": channels, "input_size": size}
    return load_paper_checkpoint(path, arch=arch, config=config, T=T, readout=readout or "last",
                                 trust=trust)
