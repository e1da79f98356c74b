"""The fixed-point backend: quantised integer simulation, bit-exact with Lava's Loihi models."""

from .backend import FixedBackend

__all__ = ["FixedBackend"]
