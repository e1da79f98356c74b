"""Stateless NIR nodes as ONNX operators, with the reference backend's semantics
(``backends/reference/ops.py``): Affine/Linear on the last axis, Conv, Avg/SumPool with padded
zeros counted, Flatten with NIR dims that exclude the batch, Scale, Threshold."""

from __future__ import annotations

from collections.abc import Callable

import nir
import numpy as np
from onnx import TensorProto

from snn2hw.errors import UnsupportedError

from .builder import GraphBuilder

Emitter = Callable[[GraphBuilder, str, nir.NIRNode, str], str]


def _ints(value, rank: int) -> list[int]:
    values = [int(v) for v in np.atleast_1d(value)]
    return values * rank if len(values) == 1 else values


def _input_rank(node: nir.NIRNode) -> int | None:
    shape = node.input_type.get("input") if node.input_type else None
    return None if shape is None else int(np.size(shape))


def affine(b: GraphBuilder, name: str, node: nir.Affine | nir.Linear, x: str) -> str:
    weight = np.asarray(node.weight)
    bias = [b.const(f"{name}.bias", node.bias)] if isinstance(node, nir.Affine) else []
    if _input_rank(node) == 1:  # [batch, features]: one Gemm
        w = b.const(f"{name}.weight", weight)
        return b.op("Gemm", [x, w, *bias], name, transB=1)
    product = b.op("MatMul", [x, b.const(f"{name}.weight_t", weight.T)], f"{name}/matmul")
    return b.op("Add", [product, bias[0]], name) if bias else product


def scale(b: GraphBuilder, name: str, node: nir.Scale, x: str) -> str:
    return b.op("Mul", [x, b.const(f"{name}.scale", node.scale)], name)


def conv(b: GraphBuilder, name: str, node: nir.Conv1d | nir.Conv2d, x: str) -> str:
    weight = np.asarray(node.weight)
    rank = weight.ndim - 2
    kernel, dilation = list(weight.shape[2:]), _ints(node.dilation, rank)
    inputs = [x, b.const(f"{name}.weight", weight)]
    if node.bias is not None:
        inputs.append(b.const(f"{name}.bias", node.bias))
    return b.op("Conv", inputs, name, kernel_shape=kernel, strides=_ints(node.stride, rank),
                dilations=dilation, group=int(node.groups),
                pads=_conv_pads(name, node.padding, kernel, dilation))


def _conv_pads(name: str, padding, kernel: list[int], dilation: list[int]) -> list[int]:
    """ONNX pads (all begins, then all ends) for NIR's int/tuple/'same'/'valid' padding."""
    if isinstance(padding, (str, bytes)):
        mode = padding.decode() if isinstance(padding, bytes) else padding
        if mode == "valid":
            return [0] * 2 * len(kernel)
        if mode != "same":
            raise UnsupportedError(f"node '{name}': unknown padding '{mode}'")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [t // 2 for t in totals] + [t - t // 2 for t in totals]  # torch puts extra at end
    pads = _ints(padding, len(kernel))
    return pads + pads


def pool(b: GraphBuilder, name: str, node: nir.SumPool2d | nir.AvgPool2d, x: str) -> str:
    kernel = _ints(node.kernel_size, 2)
    pads = _ints(node.padding, 2)
    average = b.op("AveragePool", [x], name if isinstance(node, nir.AvgPool2d) else f"{name}/avg",
                   kernel_shape=kernel, strides=_ints(node.stride, 2), pads=pads + pads,
                   count_include_pad=1)
    if isinstance(node, nir.AvgPool2d):
        return average
    return b.op("Mul", [average, b.const(f"{name}.area", float(np.prod(kernel)))], name)


def flatten(b: GraphBuilder, name: str, node: nir.Flatten, x: str) -> str:
    rank = _input_rank(node)
    start, end = int(node.start_dim), int(node.end_dim)
    if start == 0 and (end == -1 or (rank is not None and end == rank - 1)):
        return b.op("Flatten", [x], name, axis=1)  # everything but the batch
    shape = node.output_type.get("output") if node.output_type else None
    if shape is None:
        raise UnsupportedError(f"node '{name}': Flatten without a known output shape")
    target = b.const(f"{name}.shape", [0, *np.atleast_1d(shape)], dtype=np.int64)
    return b.op("Reshape", [x, target], name)


def threshold(b: GraphBuilder, name: str, node: nir.Threshold, x: str) -> str:
    above = b.op("Greater", [x, b.const(f"{name}.threshold", node.threshold)], f"{name}/above")
    return b.op("Cast", [above], name, to=TensorProto.FLOAT)


STATELESS: dict[type, Emitter] = {
    nir.Affine: affine,
    nir.Linear: affine,
    nir.Scale: scale,
    nir.Conv1d: conv,
    nir.Conv2d: conv,
    nir.SumPool2d: pool,
    nir.AvgPool2d: pool,
    nir.Flatten: flatten,
    nir.Threshold: threshold,
}
