"""Graph passes. Torch-level passes run before export (NIR has no batch-norm node); NIR-level
passes map a NIR graph to another NIR graph and are composed by :func:`run_pipeline`.

Named NIR -> NIR passes (``PASSES``), each called with keyword options:

- ``fold-loihi`` (``dt``): the float half of the Loihi mapping (:mod:`.fold_loihi`);
- ``quantize-loihi`` (``dt``, ``scale``, ``input_scale``): Loihi integers (:mod:`.quantize_loihi`);
- ``quantize-generic`` (``dt``, ``input_scale`` and :class:`~snn2hw.hw.generic.GenericFormat`
  fields): configurable fixed point (:mod:`.quantize_generic`).

Pass modules are imported when first run, so importing this package stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import nir

from snn2hw.errors import BadInputError
from snn2hw.passes.fold_batchnorm import FoldResult, batchnorm_affine, fold_batchnorm

__all__ = ["PASSES", "FoldResult", "NirPass", "batchnorm_affine", "fold_batchnorm",
           "run_pipeline"]


@dataclass(frozen=True)
class NirPass:
    """One named NIR -> NIR pass: ``module:function`` called as ``function(graph, **options)``."""

    name: str
    target: str
    summary: str

    def function(self) -> Callable[..., nir.NIRGraph]:
        module, _, attr = self.target.partition(":")
        fn: Callable[..., nir.NIRGraph] = getattr(importlib.import_module(module), attr)
        return fn

    def __call__(self, graph: nir.NIRGraph, **options: Any) -> nir.NIRGraph:
        return self.function()(graph, **options)


def quantize_generic_pass(graph: nir.NIRGraph, dt: float | None = None,
                          input_scale: float = 1.0, **fmt: Any) -> nir.NIRGraph:
    """``quantize-generic`` with the format given as keyword fields."""
    from snn2hw.hw.generic import GenericFormat
    from snn2hw.passes.quantize_generic import quantize_generic

    return quantize_generic(graph, GenericFormat(**fmt), float(input_scale), dt)


PASSES: dict[str, NirPass] = {p.name: p for p in (
    NirPass("fold-loihi", "snn2hw.passes.fold_loihi:fold_loihi",
            "fold gains, thresholds and biases into Lava's float LIF"),
    NirPass("quantize-loihi", "snn2hw.passes.quantize_loihi:quantize_loihi",
            "Loihi integer weights and neuron parameters"),
    NirPass("quantize-generic", "snn2hw.passes:quantize_generic_pass",
            "integer weights and neuron twins in a configurable fixed-point format"),
)}

Step = str | tuple[str, Mapping[str, Any]]


def run_pipeline(graph: nir.NIRGraph, steps: Iterable[Step]) -> nir.NIRGraph:
    """Apply the named passes in order; each step is a name or ``(name, options)``."""
    for step in steps:
        name, options = (step, {}) if isinstance(step, str) else step
        if name not in PASSES:
            raise BadInputError(f"unknown pass '{name}' (known: {', '.join(PASSES)})")
        graph = PASSES[name](graph, **dict(options))
    return graph
