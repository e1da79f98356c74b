"""Turning what a user points ``export`` at into a model: an snn2hw checkpoint, a checkpoint
of the paper's code / a bare state_dict (read by :mod:`snn2hw.paper_checkpoint`, which infers
the architecture, T and input size; ``arch``, ``T`` and ``input_shape`` override them), weights
for the user's own model code (``arch="models.py:build_net"``, see
:mod:`snn2hw.frontends.user_model`), or a whole pickled module (only with ``trust``)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from torch import nn

from snn2hw.checkpoint import FORMAT, Checkpoint, checkpoint_from_data, read_torch_file
from snn2hw.errors import BadInputError
from snn2hw.frontends.user_model import build_user_model, is_user_arch, load_weights
from snn2hw.nn.architectures import architecture_builder
from snn2hw.nn.architectures.common import RepeatTime
from snn2hw.paper_checkpoint import PAPER_ARCHITECTURES, load_paper_checkpoint


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
    arch_args: dict | None = None,
) -> ModelSource:
    """The model in ``path``; explicit ``arch``/``T``/``input_shape``/``readout`` override what
    the file stores or implies. ``arch_args``: keyword arguments of a user's ``arch``."""
    if is_user_arch(arch):
        model = build_user_model(arch, arch_args)
        shape, steps = _required(arch, input_shape, T)
        return _module_source(load_weights(model, path, shape, trust), shape, steps, readout,
                              arch.rpartition(":")[2])
    data = read_torch_file(path, trust=trust)
    if isinstance(data, nn.Module):  # unpickled with trust
        shape, steps = _required(f"{path} (a pickled module)", input_shape, T)
        return _module_source(data.eval(), shape, steps, readout, type(data).__name__)
    if arch_args is not None:
        raise BadInputError("--arch-args needs --arch FILE.py:FUNCTION (the registry's "
                            "architectures take their options from the checkpoint)")
    ckpt = _checkpoint(path, data, arch, T, input_shape, readout, trust)
    del data  # the file is read once; what it held beside the weights (an optimizer's state) goes
    if arch and arch != ckpt.arch:
        raise BadInputError(f"{path}: holds architecture '{ckpt.arch}', not '{arch}'")
    try:
        model = ckpt.build()
    except BadInputError as exc:
        raise BadInputError(f"{path}: {exc}") from exc
    return ModelSource(
        model=model, input_shape=list(input_shape or ckpt.input_shape), T=int(T or ckpt.T),
        static_input=ckpt.static_input, readout=readout or ckpt.readout, arch=ckpt.arch,
    )


def _required(what: str, input_shape, T) -> tuple[list[int], int]:
    missing = [name for name, v in (("--input-shape", input_shape), ("--T", T)) if not v]
    if missing:
        raise BadInputError(f"{what}: give {' and '.join(missing)} (a model without a "
                            "checkpoint's metadata)")
    return [int(s) for s in input_shape], int(T)


def _module_source(model: nn.Module, shape: list[int], T: int, readout: str | None,
                   arch: str) -> ModelSource:
    static = any(isinstance(m, RepeatTime) for m in model.modules())
    return ModelSource(model=model, input_shape=shape, T=T, static_input=static,
                       readout=readout or "last", arch=arch)


def _checkpoint(path, data, arch, T, input_shape, readout, trust) -> Checkpoint:
    if isinstance(data, Mapping) and data.get("format") == FORMAT:
        return checkpoint_from_data(data, path)
    if arch:
        architecture_builder(arch)  # unknown names: one clear error listing the known ones
    config = None
    if input_shape is not None and len(input_shape) == 3 and (arch is None
                                                              or arch in PAPER_ARCHITECTURES):
        channels, *size = (int(s) for s in input_shape)
        config = {"in_channels": channels, "input_size": size}
    return load_paper_checkpoint(path, arch=arch, config=config, T=T, readout=readout or "last",
                                 trust=trust, raw=data)
