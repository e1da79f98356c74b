"""The PyTorch reference backend: the golden model every other backend is compared with."""

from .backend import ReferenceBackend
from .simulator import Simulator, simulate

__all__ = ["ReferenceBackend", "Simulator", "simulate"]
