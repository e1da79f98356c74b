"""The Lava backend: NIR graphs on Lava's CPU simulator, float or Loihi bit-accurate fixed point.

Lava itself is imported only when a graph is compiled (via snn2hw.compat.lava_py311).
"""

from .backend import LavaBackend
from .netx_export import export_netx

__all__ = ["LavaBackend", "export_netx"]
