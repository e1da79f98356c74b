"""How each torch module of snn2hw becomes a NIR node (the module map given to nirtorch).

Every converter receives the module and the :class:`ExportContext`, which knows each module's
path and the full input shape it saw in one forward pass: ``[T, B, ...]`` for the multi-step
layers and neurons, ``[B, ...]`` for the plain torch layers of a static stem. NIR shapes are
per sample (no T, no B). Modules that are the identity at inference (dropout, the static stem's
repeat over T, folded batch norms) are :data:`SKIPPED`: the exporter removes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import nir
import numpy as np
import torch
from torch import nn

from snn2hw.errors import UnsupportedError
from snn2hw.frontends.spike_pool import SeqSumPool2d, SeqThreshold
from snn2hw.ir import discretize, metadata
from snn2hw.nn import layers
from snn2hw.nn.architectures.common import RepeatTime
from snn2hw.nn.neurons import BaseNode, IFNode, LIFNode
from snn2hw.passes.fold_batchnorm import batchnorm_affine

# A converter takes a module of the type it is registered under in CONVERTERS (which the type
# system cannot tie to the key), hence Any for the module.
Converter = Callable[[Any, "ExportContext"], nir.NIRNode]


@dataclass
class ExportContext:
    """What converters need beyond the module: its path, its input shape and dt."""

    dt: float
    paths: dict[int, str] = field(default_factory=dict)  # id(module) -> dotted path
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)  # path -> full input shape

    def path(self, module: nn.Module) -> str:
        return self.paths.get(id(module), type(module).__name__)

    def shape(self, module: nn.Module) -> tuple[int, ...]:
        path = self.path(module)
        if path not in self.shapes:
            raise UnsupportedError(f"module '{path}' was not called in the forward pass")
        return self.shapes[path]

    def refuse(self, module: nn.Module, problem: str) -> UnsupportedError:
        name = type(module).__name__
        return UnsupportedError(f"module '{self.path(module)}' ({name}): {problem}")


def _np(tensor: torch.Tensor) -> np.ndarray:
    """``tensor`` as an array sharing its memory (a CPU tensor's): the exporter converts its
    own copy of the model, which it drops afterwards, so the graph holds the only copy."""
    return tensor.detach().cpu().numpy()


def _pair(value: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(value, int):
        return (int(value), int(value))
    height, width = value
    return (int(height), int(width))


def conv2d(m: nn.Conv2d, ctx: ExportContext) -> nir.Conv2d:
    if m.padding_mode != "zeros":
        raise ctx.refuse(m, f"padding_mode '{m.padding_mode}' has no NIR equivalent")
    bias = _np(m.bias) if m.bias is not None else np.zeros(m.out_channels, _np(m.weight).dtype)
    padding = m.padding if isinstance(m.padding, str) else _pair(m.padding)
    node = nir.Conv2d(
        input_shape=tuple(ctx.shape(m)[-2:]), weight=_np(m.weight), stride=_pair(m.stride),
        padding=padding, dilation=_pair(m.dilation), groups=int(m.groups), bias=bias,
    )
    # nir 1.0.8 takes the input channels from the weight alone, wrong for grouped convolutions.
    node.input_type = {"input": np.array(ctx.shape(m)[-3:])}
    return node


def linear(m: nn.Linear, ctx: ExportContext) -> nir.Affine | nir.Linear:
    if m.bias is None:
        return nir.Linear(weight=_np(m.weight))
    return nir.Affine(weight=_np(m.weight), bias=_np(m.bias))


def batchnorm(m: nn.modules.batchnorm._BatchNorm, ctx: ExportContext) -> nir.NIRNode:
    """A BN that could not be folded, written exactly as a per-channel affine node."""
    affine = batchnorm_affine(m, ctx.path(m))  # refuses a BN without running statistics
    assert m.running_mean is not None
    scale, shift = (t.to(m.running_mean.dtype).numpy() for t in affine)
    if isinstance(m, nn.BatchNorm2d):  # 1x1 convolution with a diagonal weight
        weight = np.diag(scale).reshape(m.num_features, m.num_features, 1, 1)
        return nir.Conv2d(input_shape=tuple(ctx.shape(m)[-2:]), weight=weight, stride=1,
                          padding=0, dilation=1, groups=1, bias=shift)
    step = ctx.shape(m)[1 if isinstance(m, layers.SeqBatchNorm1d) else 0 :]
    if len(step) != 2:
        raise ctx.refuse(m, "batch norm over [C, L] inputs that follows no linear layer")
    return nir.Affine(weight=np.diag(scale), bias=shift)


def avg_pool(m: nn.AvgPool2d, ctx: ExportContext) -> nir.AvgPool2d:
    padding = _pair(m.padding)
    if m.ceil_mode or m.divisor_override is not None:
        raise ctx.refuse(m, "ceil_mode and divisor_override have no NIR equivalent")
    if any(padding) and not m.count_include_pad:
        raise ctx.refuse(m, "padding with count_include_pad=False has no NIR equivalent")
    kernel = _pair(m.kernel_size)
    stride = _pair(m.stride) if m.stride is not None else kernel
    return _pool(kernel, stride, padding, ctx.shape(m)[-3:])


def adaptive_avg_pool(m: nn.AdaptiveAvgPool2d, ctx: ExportContext) -> nir.AvgPool2d:
    size = ctx.shape(m)[-2:]
    wanted = m.output_size if isinstance(m.output_size, tuple) else (m.output_size,) * 2
    out = tuple(s if w is None else int(w) for s, w in zip(size, wanted))
    if any(s % o for s, o in zip(size, out)):
        raise ctx.refuse(m, f"input {size[0]}x{size[1]} is not a multiple of output "
                            f"{out[0]}x{out[1]}; NIR pools need a fixed kernel")
    kernel = tuple(s // o for s, o in zip(size, out))
    return _pool(kernel, kernel, (0, 0), ctx.shape(m)[-3:])


def sum_pool(m: SeqSumPool2d, ctx: ExportContext) -> nir.SumPool2d:
    """The sum half of a max pool of spikes (see :mod:`snn2hw.frontends.spike_pool`)."""
    return _pool(_pair(m.kernel_size), _pair(m.stride), _pair(m.padding), ctx.shape(m)[-3:],
                 nir.SumPool2d)


def threshold(m: SeqThreshold, ctx: ExportContext) -> nir.Threshold:
    return nir.Threshold(threshold=np.full(ctx.shape(m)[2:], m.threshold))


def _pool(kernel, stride, padding, in_shape, cls=nir.AvgPool2d) -> nir.AvgPool2d:
    """An AvgPool2d (or SumPool2d) with its types set (nir leaves them open, which nirtorch
    cannot handle when the graph input feeds a pool and another node)."""
    node = cls(kernel_size=np.array(kernel), stride=np.array(stride), padding=np.array(padding))
    out = [(n + 2 * p - k) // s + 1 for n, k, s, p in zip(in_shape[1:], kernel, stride, padding)]
    node.input_type = {"input": np.array(in_shape)}
    node.output_type = {"output": np.array([in_shape[0], *out])}
    return node


def seq_flatten(m: layers.SeqFlatten, ctx: ExportContext) -> nir.Flatten:
    return nir.Flatten(input_type={"input": np.array(ctx.shape(m)[2:])}, start_dim=0, end_dim=-1)


def flatten(m: nn.Flatten, ctx: ExportContext) -> nir.Flatten:
    """A plain ``nn.Flatten`` of a static stem on ``[B, ...]`` (dim 0 is the batch)."""
    if m.start_dim < 1:
        raise ctx.refuse(m, "flattening the batch dimension")
    end = m.end_dim - 1 if m.end_dim > 0 else m.end_dim
    return nir.Flatten(input_type={"input": np.array(ctx.shape(m)[1:])},
                       start_dim=m.start_dim - 1, end_dim=end)


def _neuron_metadata(m: BaseNode, shape: tuple[int, ...], ctx: ExportContext) -> dict:
    if m.reset == "none":
        raise ctx.refuse(m, "a neuron without reset cannot be expressed in NIR (it always resets)")
    meta: dict = {}
    if m.reset == "subtract":
        meta[metadata.RESET] = "subtract"
    v0 = m.initial_v()
    if v0 is not None:
        v0_array = _np(v0)[0]
        try:  # an IMP state per neuron is shared, one per channel (or one value) broadcast
            meta[metadata.V_INIT] = (v0_array if v0_array.shape == shape
                                     else np.broadcast_to(v0_array, shape).copy())
        except ValueError:
            raise ctx.refuse(m, f"IMP shape {tuple(v0.shape[1:])} does not fit the neuron "
                                f"shape {shape}") from None
    elif m.v_reset != 0.0:  # torch starts from v_reset, NIR from 0
        meta[metadata.V_INIT] = np.full(shape, m.v_reset)
    return meta


def _uniform(shape: tuple[int, ...], value: float) -> np.ndarray:
    """A read-only per-neuron view of one value (no memory per neuron; written as one value)."""
    return np.broadcast_to(np.float64(value), shape)


def if_node(m: IFNode, ctx: ExportContext) -> nir.IF:
    shape = tuple(ctx.shape(m)[2:])
    node = discretize.if_to_nir(_uniform(shape, m.v_threshold), _uniform(shape, m.v_reset),
                                ctx.dt)
    node.metadata = _neuron_metadata(m, shape, ctx)
    return node


def lif_node(m: LIFNode, ctx: ExportContext) -> nir.LIF:
    shape = tuple(ctx.shape(m)[2:])
    node = discretize.lif_to_nir(_uniform(shape, m.tau), m.decay_input,
                                 _uniform(shape, m.v_threshold), _uniform(shape, m.v_reset),
                                 ctx.dt)
    node.metadata = _neuron_metadata(m, shape, ctx)
    return node


CONVERTERS: dict[type[nn.Module], Converter] = {
    nn.Conv2d: conv2d, layers.SeqConv2d: conv2d,
    nn.Linear: linear, layers.SeqLinear: linear,
    nn.BatchNorm2d: batchnorm, layers.SeqBatchNorm2d: batchnorm,
    layers.ThresholdDependentBatchNorm2d: batchnorm,
    nn.BatchNorm1d: batchnorm, layers.SeqBatchNorm1d: batchnorm,
    nn.AvgPool2d: avg_pool, layers.SeqAvgPool2d: avg_pool,
    nn.AdaptiveAvgPool2d: adaptive_avg_pool, layers.SeqAdaptiveAvgPool2d: adaptive_avg_pool,
    layers.SeqFlatten: seq_flatten, nn.Flatten: flatten,
    IFNode: if_node, LIFNode: lif_node,
    SeqSumPool2d: sum_pool, SeqThreshold: threshold,
}

SKIPPED: tuple[type[nn.Module], ...] = (nn.Identity, nn.Dropout, layers.SeqDropout, RepeatTime)
"""The identity at inference (the static stem's repeat over T included): removed from the graph."""

LEAVES: tuple[type[nn.Module], ...] = (*CONVERTERS, *SKIPPED)


def module_map(ctx: ExportContext) -> dict[type, Callable[[nn.Module], nir.NIRNode]]:
    """The map in nirtorch's form (one-argument callables), bound to ``ctx``."""
    return {cls: _bind(fn, ctx) for cls, fn in CONVERTERS.items()}


def _bind(fn: Converter, ctx: ExportContext) -> Callable[[nn.Module], nir.NIRNode]:
    return lambda m: fn(m, ctx)
