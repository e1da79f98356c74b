"""Stateful NIR nodes (neurons, integrators, delays) stepped in time on ``[B, *shape]``.

Euler coefficients come from :mod:`snn2hw.ir.discretize`; the initial potential from the
``snn2hw.v_init`` metadata (zeros otherwise); reset per ``snn2hw.reset`` (hard by default).
"""

from __future__ import annotations

from typing import Any

import nir
import numpy as np
import torch
from torch import nn

from snn2hw.ir import capabilities, discretize, metadata

from .ops import constant

SPIKING = capabilities.SPIKING_NEURONS
STATEFUL = capabilities.STATEFUL


class Stepper(nn.Module):
    """A stateful node: ``reset(batch_like)`` then ``step(x)`` once per time step. Constants
    are frozen parameters (:func:`.ops.constant`); the state is plain attributes."""

    def reset(self, batch_like: torch.Tensor) -> None:
        raise NotImplementedError

    def step(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class NeuronStepper(Stepper):
    """One NIR neuron population; ``reset(batch)`` then ``step(x)`` once per time step."""

    # Each coefficient is a Python float when uniform (cheaper to apply), else a buffer.
    decay: Any
    gain: Any
    bias: Any
    syn_decay: Any
    syn_gain: Any
    v_th: Any
    v_reset: Any
    v0: Any

    def __init__(self, node: nir.NIRNode, dt: float, **kw):
        super().__init__()

        def const(name: str, a) -> None:
            value = _compact(np.asarray(a, dtype=np.float64), **kw)
            if isinstance(value, torch.Tensor):
                constant(self, name, value)
            else:
                setattr(self, name, value)

        coeffs = discretize.membrane_step(node, dt)
        for name, value in vars(coeffs).items():  # decay, gain, bias
            const(name, value)
        self.spiking = isinstance(node, SPIKING)
        self.cuba = isinstance(node, (nir.CubaLI, nir.CubaLIF))
        if self.cuba:
            syn = discretize.synapse_step(node, dt)
            const("syn_decay", syn.decay)
            const("syn_gain", syn.gain)
        if self.spiking:
            const("v_th", node.v_threshold)
            v_reset = node.v_reset if node.v_reset is not None else np.zeros_like(node.v_threshold)
            const("v_reset", v_reset)
            self.subtract = metadata.reset_mode(node) == "subtract"
        v0 = metadata.v_init(node)
        if v0 is None:
            self.v0 = None
        else:
            const("v0", v0)
        self.v: torch.Tensor | None = None
        self.i: torch.Tensor | None = None

    def reset(self, batch_like: torch.Tensor) -> None:
        """Start a new batch of samples from the initial state."""
        zeros = torch.zeros_like(batch_like)
        self.v = zeros + self.v0 if self.v0 is not None else zeros
        self.i = zeros

    def step(self, x: torch.Tensor) -> torch.Tensor:
        if self.v is None or self.i is None:
            raise RuntimeError("reset() the stepper before step()")
        if self.cuba:
            self.i = self.syn_decay * self.i + self.syn_gain * x
            x = self.i
        v = _affine(self.v, self.decay) + _affine(x, self.gain)
        if not (isinstance(self.bias, float) and self.bias == 0.0):
            v = v + self.bias
        if not self.spiking:
            self.v = v
            return v
        spikes = v > self.v_th
        if self.subtract:
            v = v - spikes * self.v_th
        elif isinstance(self.v_reset, float):  # v is this step's own tensor: reset in place
            v.masked_fill_(spikes, self.v_reset)
        else:
            v = torch.where(spikes, self.v_reset, v)
        self.v = v
        return spikes.to(v.dtype)


def _compact(values: np.ndarray, **kw) -> torch.Tensor | float:
    """A coefficient as a Python float when it is the same for every neuron (cheaper to apply)."""
    flat = values.reshape(-1)
    if flat.size and np.all(flat == flat[0]):
        return float(flat[0])
    return torch.as_tensor(values, **kw)


def _affine(x: torch.Tensor, factor: torch.Tensor | float) -> torch.Tensor:
    return x if isinstance(factor, float) and factor == 1.0 else x * factor


class DelayStepper(Stepper):
    """``y(t) = x(t - d)`` with ``d = round(delay / dt)`` steps per element (zeros before)."""

    steps: torch.Tensor

    def __init__(self, node: nir.Delay, dt: float, **kw):
        super().__init__()
        steps = np.rint(np.asarray(node.delay, dtype=np.float64) / dt).astype(np.int64)
        self.register_buffer("steps", torch.as_tensor(steps, device=kw.get("device")))  # int64
        self.depth = int(steps.max()) if steps.size else 0
        self.history: list[torch.Tensor] = []

    def reset(self, batch_like: torch.Tensor) -> None:
        self.history = [torch.zeros_like(batch_like)] * self.depth

    def step(self, x: torch.Tensor) -> torch.Tensor:
        if self.depth == 0:
            return x
        stacked = torch.stack(self.history + [x])  # oldest first: index depth is now
        index = (self.depth - self.steps).expand_as(x).unsqueeze(0)
        out = torch.gather(stacked, 0, index).squeeze(0)
        self.history = self.history[1:] + [x]
        return out


def make_stepper(node: nir.NIRNode, dt: float, **kw) -> Stepper:
    """The stepper for a stateful node."""
    if isinstance(node, nir.Delay):
        return DelayStepper(node, dt, **kw)
    return NeuronStepper(node, dt, **kw)
