"""Fold inference-mode batch norm (BN, tdBN) into the convolution or linear layer before it.

``y = g * (x - mean) / sqrt(var + eps) + beta`` after ``x = W * in + b`` equals one layer with
``W' = W * s`` and ``b' = (b - mean) * s + beta``, where ``s = g / sqrt(var + eps)`` per output
channel. The pass works on a model (in place; pass a copy) traced with torch.fx: a BN is folded
when its only input is a conv/linear module whose output nothing else uses, and both are called
exactly once. Folded BNs are replaced by ``nn.Identity``; the others are left for the exporter,
which writes them as an exact per-channel affine node.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import torch
from torch import fx, nn

from snn2hw.errors import UnsupportedError
from snn2hw.nn.layers import SeqBatchNorm1d

_BATCHNORMS = (nn.BatchNorm1d, nn.BatchNorm2d)
_WEIGHTED = (nn.Conv2d, nn.Linear)


@dataclass
class FoldResult:
    """Which BN modules were folded into which layer, and which remain."""

    folded: dict[str, str] = field(default_factory=dict)  # bn path -> conv/linear path
    remaining: list[str] = field(default_factory=list)


def batchnorm_affine(bn: nn.modules.batchnorm._BatchNorm, where: str) -> tuple[torch.Tensor, ...]:
    """Per-channel ``(scale, shift)`` of an inference-mode BN, computed in float64."""
    if bn.running_mean is None or bn.running_var is None:
        raise UnsupportedError(
            f"batch norm '{where}' keeps no running statistics (it normalises with batch "
            "statistics even at inference), so it cannot be exported"
        )
    var = bn.running_var.detach().double()
    scale = torch.rsqrt(var + bn.eps)
    if bn.weight is not None:
        scale = scale * bn.weight.detach().double()
    shift = -bn.running_mean.detach().double() * scale
    if bn.bias is not None:
        shift = shift + bn.bias.detach().double()
    return scale, shift


def fold_batchnorm(
    model: nn.Module, traced: fx.Graph, input_shapes: Mapping[str, tuple[int, ...]]
) -> FoldResult:
    """Fold every foldable BN of ``model`` (in place) into the layer before it.

    ``traced`` is the model's torch.fx graph (BN and conv/linear as leaf modules);
    ``input_shapes`` the full input shape of each module, by path, from one forward pass.
    """
    calls = Counter(n.target for n in traced.nodes if n.op == "call_module")
    result = FoldResult()
    for node in traced.nodes:
        if node.op != "call_module":
            continue
        if not isinstance(model.get_submodule(node.target), _BATCHNORMS):
            continue
        producer = _foldable_producer(model, node, calls, input_shapes)
        if producer is None:
            result.remaining.append(node.target)
            continue
        layer = model.get_submodule(producer)
        assert isinstance(layer, (nn.Conv2d, nn.Linear))  # what _foldable_producer accepts
        _fold_pair(layer, model.get_submodule(node.target), node.target)
        _replace_module(model, node.target, nn.Identity())
        result.folded[node.target] = producer
    return result


def _foldable_producer(model, bn_node: fx.Node, calls: Counter, shapes) -> str | None:
    """The path of the layer ``bn_node`` can be folded into, or None."""
    if len(bn_node.all_input_nodes) != 1 or calls[bn_node.target] != 1:
        return None
    prev = bn_node.all_input_nodes[0]
    if prev.op != "call_module" or len(prev.users) != 1 or calls[prev.target] != 1:
        return None
    layer, bn = model.get_submodule(prev.target), model.get_submodule(bn_node.target)
    if isinstance(layer, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
        return str(prev.target) if layer.out_channels == bn.num_features else None
    if isinstance(layer, nn.Linear) and isinstance(bn, nn.BatchNorm1d):
        # BN1d normalises dim 1 of each step's [N, C(, L)]: it must be the linear's features.
        step_shape = shapes[bn_node.target][1 if isinstance(bn, SeqBatchNorm1d) else 0 :]
        if len(step_shape) == 2 and layer.out_features == bn.num_features:
            return str(prev.target)
    return None


_BLOCK = 1 << 16  # weights scaled per block of about this many elements


def _fold_pair(layer: nn.Conv2d | nn.Linear, bn, where: str) -> None:
    scale, shift = batchnorm_affine(bn, where)
    bias = layer.bias.detach().double() if layer.bias is not None else torch.zeros_like(scale)
    new_bias = bias * scale + shift
    dtype = layer.weight.dtype
    weight = layer.weight.detach()
    per_row = scale.reshape(-1, *([1] * (weight.dim() - 1)))
    step = max(1, _BLOCK // max(1, weight[0].numel()))
    with torch.no_grad():
        # In float64 a few output channels at a time (copy_ rounds like .to(dtype)): a float64
        # copy of a whole weight (19 MB for a 512x512x3x3 conv) added up to 80 MB to the peak
        # of a SEW-ResNet-50 export.
        for start in range(0, weight.shape[0], step):
            rows = weight[start:start + step]
            rows.copy_(rows.double() * per_row[start:start + step])
        if layer.bias is None:
            layer.bias = nn.Parameter(new_bias.to(dtype=dtype, device=layer.weight.device))
        else:
            layer.bias.copy_(new_bias.to(dtype))


def _replace_module(model: nn.Module, path: str, new: nn.Module) -> None:
    parent_path, _, name = path.rpartition(".")
    parent = model.get_submodule(parent_path) if parent_path else model
    setattr(parent, name, new)
