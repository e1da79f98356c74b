"""The paper's architectures exported to NIR with random weights, random BatchNorm statistics
(so that every population fires) and a random IMP, for Loihi-mode tests and benchmarks."""

from __future__ import annotations

import copy
import warnings

import nir
import numpy as np
import torch
from torch import nn

from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.ir.graph import infer_shapes
from snn2hw.nn.architectures import build_model

POOLS = (nir.AvgPool2d, nir.SumPool2d)


def _random_statistics(model: nn.Module, shape: list[int], T: int, static: bool,
                       generator: torch.Generator) -> None:
    """BN running statistics of one random batch (each layer sees its real input), then random
    affine BN parameters around a firing regime, and IMP values in [0, 0.5]."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.momentum = 1.0
    batch = (4, *shape) if static else (T, 4, *shape)
    with torch.no_grad():
        model.train()
        model(torch.rand(batch, generator=generator))
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                size = module.num_features
                module.weight.copy_(0.5 + torch.rand(size, generator=generator))
                module.bias.copy_(0.4 + 0.4 * torch.randn(size, generator=generator))
        for name, param in model.named_parameters():
            if name.endswith("init_state"):
                param.copy_(0.5 * torch.rand(param.shape, generator=generator))
    model.eval()


def paper_graph(arch: str, shape: list[int], T: int, seed: int = 0, **config) -> nir.NIRGraph:
    """``build_model(arch, T=T, imp=True, **config)`` with random statistics, exported."""
    torch.manual_seed(seed)
    model = build_model(arch, T=T, imp=True, **config)
    static = arch.startswith("sew")
    _random_statistics(model, shape, T, static, torch.Generator().manual_seed(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)  # the IMP metadata notice
        return torch_to_graph(model, shape, T)


def _narrow_array(value, channels: int, keep: int):
    """``value`` with its leading (channel) axis cut to ``keep`` when it has ``channels``."""
    if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == channels:
        return value[:keep]
    return value


def narrow(graph: nir.NIRGraph, factor: int) -> nir.NIRGraph:
    """The same architecture with every layer ``factor`` times narrower (the first channels of
    each layer; the input and the classes kept), weights times ``sqrt(factor)`` so that the
    pre-activations keep their spread and every population still fires."""
    shapes = infer_shapes(graph)
    nodes = {}
    for name, node in graph.nodes.items():
        if isinstance(node, nir.Conv2d):
            w = np.asarray(node.weight)
            cin = w.shape[1] if name in _fed_by_input(graph) else w.shape[1] // factor
            nodes[name] = nir.Conv2d(
                input_shape=node.input_shape, weight=w[: w.shape[0] // factor, :cin] *
                np.sqrt(factor if cin < w.shape[1] else 1), stride=node.stride,
                padding=node.padding, dilation=node.dilation, groups=node.groups,
                bias=np.asarray(node.bias)[: w.shape[0] // factor], metadata=dict(node.metadata))
        elif isinstance(node, (nir.Affine, nir.Linear)):
            w = np.asarray(node.weight)
            nodes[name] = nir.Affine(weight=w[:, : w.shape[1] // factor] * np.sqrt(factor),
                                     bias=np.asarray(node.bias), metadata=dict(node.metadata))
        elif isinstance(node, (nir.IF, nir.LIF, nir.Flatten) + POOLS):
            channels = shapes[name][0] if not isinstance(node, nir.Flatten) else None
            nodes[name] = _narrow_node(node, channels or _flatten_channels(graph, name, shapes),
                                       factor)
        else:
            nodes[name] = node
    return nir.NIRGraph(nodes=nodes, edges=list(graph.edges), metadata=dict(graph.metadata),
                        type_check=False)


def _fed_by_input(graph: nir.NIRGraph) -> set[str]:
    inputs = {n for n, node in graph.nodes.items() if isinstance(node, nir.Input)}
    return {dst for src, dst in graph.edges if src in inputs}


def _flatten_channels(graph: nir.NIRGraph, name: str, shapes: dict) -> int:
    src = next(s for s, d in graph.edges if d == name)
    return shapes[src][0]


def _narrow_node(node, channels: int, factor: int):
    keep = channels // factor
    if isinstance(node, nir.Flatten):
        shape = np.asarray(node.input_type["input"]).copy()
        shape[0] = keep
        return nir.Flatten(input_type={"input": shape}, start_dim=node.start_dim,
                           end_dim=node.end_dim)
    if isinstance(node, POOLS):
        pool = copy.deepcopy(node)
        for types in (pool.input_type, pool.output_type):
            for shape in types.values():
                shape[0] = keep
        return pool
    meta = {k: _narrow_array(v, channels, keep) for k, v in node.metadata.items()}
    fields = ("tau", "r", "v_leak", "v_threshold", "v_reset") if isinstance(node, nir.LIF) \
        else ("r", "v_threshold", "v_reset")
    return type(node)(**{f: _narrow_array(np.asarray(getattr(node, f)), channels, keep)
                         for f in fields}, metadata=meta)


def sew18(size: int = 32, T: int = 2, seed: int = 0, factor: int = 1) -> nir.NIRGraph:
    """SEW-ResNet-18 (ImageNet stem: conv 7x7/2, IF, AvgPool2d(3, 2, 1)) at 3 x size x size,
    ``factor`` times narrower."""
    graph = paper_graph("sew18", [3, size, size], T, seed, input_size=size, num_classes=10)
    return narrow(graph, factor) if factor > 1 else graph


def vgg48(size: int = 48, T: int = 2, seed: int = 0, factor: int = 1) -> nir.NIRGraph:
    """The legacy VGG-11 for CIFAR10-DVS (LIF, AvgPool2d(2)) at 2 x size x size, ``factor``
    times narrower."""
    graph = paper_graph("vgg11-dvs48", [2, size, size], T, seed, input_size=size)
    return narrow(graph, factor) if factor > 1 else graph
