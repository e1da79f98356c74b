"""The LIF variants of "Understanding the Functional Roles of Modelling Components in Spiking
Neural Networks" (Yin et al., 2024): leak on/off, reset on/off and recurrence on/off.

- leak off is the IF neuron (``v <- v + x``), leak on the LIF neuron;
- reset off is ``reset="none"`` (the potential is kept after a spike);
- recurrence adds ``W_r s[t-1]`` to the input of step ``t`` (``s[-1] = 0``), with ``W_r`` a
  single-step module: ``nn.Linear(n, n)`` for ``[B, n]`` activations or a 1x1 ``nn.Conv2d`` for
  ``[B, C, H, W]``.

The recurrent neuron is not expressible by the torch-to-NIR tracer (its cycle is inside one
module), so exporters refuse it; the other variants are ordinary :class:`IFNode` / :class:`LIFNode`.
"""

from __future__ import annotations

import torch
from torch import nn

from snn2hw.nn.neurons import BaseNode, IFNode, LIFNode


def lif_variant(leak: bool = True, reset: bool = True, tau: float = 2.0,
                reset_mode: str = "hard", **neuron_options) -> BaseNode:
    """An LIF neuron with the leak and/or the reset switched off.

    ``reset_mode`` ("hard" or "subtract") is the reset used when ``reset`` is on;
    ``neuron_options`` go to the neuron (``v_threshold``, ``decay_input``, ``imp_shape``, ...).
    """
    options = dict(neuron_options, reset=reset_mode if reset else "none")
    if leak:
        return LIFNode(tau=tau, **options)
    options.pop("decay_input", None)
    return IFNode(**options)


class RecurrentNode(nn.Module):
    """A spiking neuron whose input at step ``t`` is ``x[t] + recurrent(s[t-1])``.

    ``neuron`` supplies the dynamics (charge, fire, reset, IMP) and ``recurrent`` is ``W_r``.
    State-dict keys: ``neuron.*`` (e.g. ``neuron.init_state``) and ``recurrent.*``.
    """

    def __init__(self, neuron: BaseNode, recurrent: nn.Module):
        super().__init__()
        self.neuron = neuron
        self.recurrent = recurrent

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        """Run ``T`` steps on ``x_seq [T, B, ...]``; returns the spikes ``[T, B, ...]``."""
        v = self.neuron.start(x_seq[0])
        s = torch.zeros_like(x_seq[0])
        spikes = []
        for t in range(x_seq.shape[0]):
            s, v = self.neuron.step(v, x_seq[t] + self.recurrent(s))
            spikes.append(s)
        return torch.stack(spikes)


def recurrent_lif(features: int, conv: bool = False, leak: bool = True, reset: bool = True,
                  tau: float = 2.0, **neuron_options) -> RecurrentNode:
    """A recurrent LIF variant over ``features`` neurons (``conv``: channels of a feature map,
    all-to-all within each position through a 1x1 convolution)."""
    recurrent = (nn.Conv2d(features, features, 1, bias=False) if conv
                 else nn.Linear(features, features, bias=False))
    return RecurrentNode(lif_variant(leak, reset, tau, **neuron_options), recurrent)
