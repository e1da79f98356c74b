"""The reference backend's optional compiled path: the layer-by-layer run through
``torch.compile`` (inductor), the graph's constants frozen.

Measured on SEW-ResNet-18 (T=4, batch 8, 1 CPU thread): 0.84-0.86x the eager time per run
with identical outputs, after a one-off compilation of 15-25 s (benchmarks/
reference_speed.py), so it pays on long runs (a dataset, many batches), not on one small run.
Freezing turns the weights into constants, which lets inductor pre-pack the convolution
weights for oneDNN (measured side by side at 64x64: 0.79x the eager time frozen, 0.86x
not). Each new input shape compiles once more. When compilation fails (no C++ compiler, an
op inductor cannot lower), the run falls back to eager with one warning: the results are the
same, only slower.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable

import torch
from torch import nn


class _Graph(nn.Module):
    """The nodes' modules as one module (so their buffers are its constants) around ``run``."""

    def __init__(self, run: Callable[[torch.Tensor, int], torch.Tensor],
                 nodes: Iterable[nn.Module]):
        super().__init__()
        self.nodes = nn.ModuleList(nodes)
        self.run = run

    def forward(self, x: torch.Tensor, steps: int) -> torch.Tensor:
        return self.run(x, steps)


class CompiledRun:
    """``run(x, steps)`` compiled on first use; eager from the first failure on."""

    def __init__(self, run: Callable[[torch.Tensor, int], torch.Tensor],
                 nodes: Iterable[nn.Module]):
        self.eager = run
        self.used = False  # the first call compiles
        module = _Graph(run, nodes).eval()
        self.compiled: Callable | None = torch.compile(module, dynamic=False,
                                                       options={"freezing": True})

    def __call__(self, x: torch.Tensor, steps: int) -> torch.Tensor:
        self.used = True
        if self.compiled is not None:
            try:
                return self.compiled(x, steps)
            except Exception as exc:  # noqa: BLE001 - any compiler failure: run eagerly
                self.compiled = None
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                warnings.warn(f"torch.compile failed ({type(exc).__name__}: {first}); "
                              "the reference backend runs eagerly (same results)", stacklevel=2)
        return self.eager(x, steps)
