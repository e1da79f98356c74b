"""Look-alikes of the paper's IMP neuron classes, written here from their public descriptions
(IMP-SNN / amazing-cls ``amzcls/neurons/node.py`` and ``vgg_legacy.py``; their package cannot be
installed here), on top of SpikingJelly 2.0. Only the behaviour matters to snn2hw:

- lazy classes (``LazyStateIFNode``, ``LazyStateLIFNode``): ``init_state`` of shape
  ``(1, *sample)`` is created on the first forward pass; every sequence starts from
  ``f(init_state)``, with ``f`` a sigmoid when ``sigmoid_init``;
- eager classes (``StateIFNode``): ``init_state`` of a given shape, added to the reset value
  on ``reset()``;
- the legacy LIF of the 48x48 VGG (``StateLIFLegacy``): ``mem = tau * mem + x`` with
  ``tau = 0.25``, a spike when ``mem > v_th``, reset to 0, and the IMP in ``mem``.
"""

from __future__ import annotations

import torch
from spikingjelly.activation_based import neuron
from torch import nn


class _Lazy:
    def _start(self, x: torch.Tensor) -> None:
        if not self.have_init:
            self.init_state = nn.Parameter(torch.empty(1, *x.shape[1:]).uniform_(0.4, 0.6))
            self.have_init = True
        f = torch.sigmoid if self.sigmoid_init else (lambda v: v)
        self.v = torch.broadcast_to(f(self.init_state), x.shape).to(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._start(x if self.step_mode == "s" else x[0])
        return super().forward(x)


class LazyStateIFNode(_Lazy, neuron.IFNode):
    def __init__(self, sigmoid_init: bool = False, **kw):
        super().__init__(**kw)
        self.init_state, self.have_init, self.sigmoid_init = None, False, sigmoid_init


class LazyStateLIFNode(_Lazy, neuron.LIFNode):
    def __init__(self, sigmoid_init: bool = False, **kw):
        super().__init__(**kw)
        self.init_state, self.have_init, self.sigmoid_init = None, False, sigmoid_init


class StateIFNode(neuron.IFNode):
    def __init__(self, init_state_shape=(1, 1, 1, 1), **kw):
        super().__init__(**kw)
        self.init_state = nn.Parameter(torch.empty(init_state_shape).uniform_(-0.2, 0.2))
        self.reset()

    def reset(self):
        super().reset()
        self.v = self.v + self.init_state

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.v = torch.broadcast_to(self.v, x.shape if self.step_mode == "s" else x[0].shape)
        return super().forward(x)


class StateLIFLegacy(nn.Module):
    def __init__(self, thresh: float = 1.0, tau: float = 0.25):
        super().__init__()
        self.v_th, self.tau = thresh, tau
        self.mem, self.have_init = None, False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.have_init:
            self.mem = nn.Parameter(torch.empty(1, *x.shape[2:]).uniform_(-0.2, 0.2))
            self.have_init = True
        mem, spikes = self.mem.to(x), []
        for t in range(x.shape[0]):
            mem = self.tau * mem + x[t]
            spike = (mem - self.v_th > 0).to(x)
            mem = mem * (1 - spike)
            spikes.append(spike)
        return torch.stack(spikes)


class DriftingIMPNode(LazyStateIFNode):
    """Has an ``init_state`` but adds it at every step: not an IMP neuron (must be refused)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._start(x[0])
        return neuron.IFNode.forward(self, x + self.init_state)
