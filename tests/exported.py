"""A model of the registry exported to NIR with a non-trivial IMP, for backend agreement tests."""

from __future__ import annotations

import warnings

import nir
import torch

from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.nn.architectures import build_model


def exported_graph(arch: str, shape: list[int], T: int, **config) -> nir.NIRGraph:
    """``build_model(arch, T=T, **config)`` with IMP values in [0, 0.2], exported (seed 0)."""
    torch.manual_seed(0)
    model = build_model(arch, T=T, **config)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("init_state"):
                param.uniform_(0.0, 0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)  # the IMP metadata notice
        return torch_to_graph(model, shape, T)
