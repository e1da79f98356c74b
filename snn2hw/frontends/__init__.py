"""Frontends: models from other formats into NIR graphs."""

from snn2hw.frontends.torch_export import DEFAULT_DT, torch_to_graph

__all__ = ["DEFAULT_DT", "torch_to_graph"]
