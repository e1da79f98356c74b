"""Stateless NIR nodes as torch modules on a batch ``[N, *shape]`` (N may be T*B).

Each op is a small :class:`torch.nn.Module` whose constants (weights, biases, factors) are
frozen parameters (:func:`constant`): eager runs call them like functions, and a compiled run
(:mod:`.compiled`) sees the constants as the module's own, which lets inductor freeze them.

With a ``half`` dtype (float16 or bfloat16), Affine/Linear and Conv multiply in that type (its
weights stored so) and return the run's dtype, the bias added there: the mixed precision of
GPU inference, membranes and sums staying float32.
"""

from __future__ import annotations

from typing import Any

import nir
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from snn2hw.errors import UnsupportedError
from snn2hw.ir.graph import flatten_dims


def _tensor(value, **kw) -> torch.Tensor:
    return torch.as_tensor(np.asarray(value), **kw)


def constant(module: nn.Module, name: str, value: torch.Tensor | None) -> None:
    """Register ``value`` as a parameter without gradient. Parameters, not buffers: inductor's
    freezing pre-packs convolution weights only for parameters (SEW-18 at 112x112, compiled:
    0.86x the eager time with parameters, 0.93x with buffers, measured side by side)."""
    module.register_parameter(name, None if value is None else nn.Parameter(value, False))


def _ints(value) -> tuple[int, ...]:
    return tuple(int(v) for v in np.atleast_1d(value))


class _Synapse(nn.Module):
    """A weighted op: ``weight`` (in ``half`` when given) and a ``bias`` in the run's dtype."""

    weight: torch.Tensor
    bias: torch.Tensor | None

    def __init__(self, weight, bias, half: torch.dtype | None = None,
                 layout: torch.memory_format = torch.contiguous_format, **kw):
        super().__init__()
        self.half_dtype = half
        w = _tensor(weight, **kw).contiguous(memory_format=layout)
        constant(self, "weight", w if half is None else w.to(half))
        constant(self, "bias", None if bias is None else _tensor(bias, **kw))

    def _apply_weights(self, fn, x: torch.Tensor, bias_dims: int = 0,
                       **args) -> torch.Tensor:
        """``fn(x, weight, bias)``; in half precision the bias (on the channel axis, followed
        by ``bias_dims`` spatial axes) is added afterwards in the run's dtype."""
        if self.half_dtype is None:
            return fn(x, self.weight, self.bias, **args)
        y = fn(x.to(self.half_dtype), self.weight, None, **args).to(x.dtype)
        return y if self.bias is None else y + self.bias.view(-1, *(1,) * bias_dims)


class Affine(_Synapse):
    """Affine/Linear on the last axis."""

    def __init__(self, node: nir.Affine | nir.Linear, **kw):
        super().__init__(node.weight, node.bias if isinstance(node, nir.Affine) else None, **kw)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._apply_weights(F.linear, x)


class Scale(nn.Module):
    factor: torch.Tensor

    def __init__(self, node: nir.Scale, **kw):
        super().__init__()
        constant(self, "factor", _tensor(node.scale, **kw))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.factor


class Conv(_Synapse):
    """Conv1d/Conv2d. 2-D convolutions run channels_last (NHWC), oneDNN's native layout on
    CPU: measured 0.75-0.84x the time of NCHW on SEW-ResNet-18, same results. The layout then
    flows through the neurons and pools; shapes and values are unchanged (only strides)."""

    def __init__(self, node: nir.Conv1d | nir.Conv2d, **kw):
        self.two_d = isinstance(node, nir.Conv2d)
        layout = torch.channels_last if self.two_d else torch.contiguous_format
        super().__init__(node.weight, node.bias, layout=layout, **kw)
        padding = node.padding if isinstance(node.padding, str) else _ints(node.padding)
        self.args: dict[str, Any] = dict(stride=_ints(node.stride), padding=padding,
                                         dilation=_ints(node.dilation), groups=int(node.groups))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.two_d:
            return self._apply_weights(F.conv1d, x, 1, **self.args)
        x = x.contiguous(memory_format=torch.channels_last)
        return self._apply_weights(F.conv2d, x, 2, **self.args)


class Pool(nn.Module):
    """SumPool2d/AvgPool2d; padded zeros count, so a sum pool is exactly area * average."""

    def __init__(self, node: nir.SumPool2d | nir.AvgPool2d, **kw):
        super().__init__()
        kernel = _ints(node.kernel_size)
        self.kernel = kernel * 2 if len(kernel) == 1 else kernel
        self.stride, self.padding = _ints(node.stride), _ints(node.padding)
        self.area = float(np.prod(self.kernel)) if isinstance(node, nir.SumPool2d) else 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = F.avg_pool2d(x, self.kernel, self.stride, self.padding, count_include_pad=True)
        return mean * self.area


class Flatten(nn.Module):
    def __init__(self, node: nir.Flatten, **kw):
        super().__init__()
        self.start, self.end = flatten_dims(node)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(x, self.start, self.end)


class Threshold(nn.Module):
    level: torch.Tensor

    def __init__(self, node: nir.Threshold, **kw):
        super().__init__()
        constant(self, "level", _tensor(node.threshold, **kw))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x > self.level).to(x.dtype)


class Identity(nn.Module):
    def __init__(self, node: nir.NIRNode, **kw):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


STATELESS: dict[type, type[nn.Module]] = {
    nir.Affine: Affine,
    nir.Linear: Affine,
    nir.Scale: Scale,
    nir.Conv1d: Conv,
    nir.Conv2d: Conv,
    nir.SumPool2d: Pool,
    nir.AvgPool2d: Pool,
    nir.Flatten: Flatten,
    nir.Threshold: Threshold,
    nir.Input: Identity,
    nir.Output: Identity,
}


def stateless_op(name: str, node: nir.NIRNode, half: torch.dtype | None = None,
                 **kw) -> nn.Module:
    """The module computing ``node`` (weighted ones multiplying in ``half`` when given);
    raises UnsupportedError for unknown node types."""
    try:
        make = STATELESS[type(node)]
    except KeyError:
        kind = type(node).__name__
        raise UnsupportedError(f"node '{name}': NIR type {kind} is not supported") from None
    if issubclass(make, _Synapse):
        return make(node, half=half, **kw)
    return make(node, **kw)
