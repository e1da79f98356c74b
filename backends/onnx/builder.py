"""A small accumulator of ONNX nodes and constant initializers with unique tensor names."""

from __future__ import annotations

import numpy as np
from onnx import NodeProto, TensorProto, ValueInfoProto, helper, numpy_helper

from .protocol import BATCH

FLOAT = np.float32


class GraphBuilder:
    """Collects the nodes and initializers of one ONNX graph (float32 values)."""

    def __init__(self, reserved: set[str]) -> None:
        self.nodes: list[NodeProto] = []
        self.initializers: list[TensorProto] = []
        self._used = set(reserved)

    def unique(self, hint: str) -> str:
        """``hint`` or ``hint_<k>``: a tensor name not used yet."""
        name, k = hint, 1
        while name in self._used:
            name, k = f"{hint}_{k}", k + 1
        self._used.add(name)
        return name

    def const(self, hint: str, value, dtype=FLOAT, output: str | None = None) -> str:
        """A constant initializer named ``output`` (reserved) or a fresh name; returns it."""
        name = output if output is not None else self.unique(hint)
        array = np.ascontiguousarray(np.asarray(value, dtype=dtype))
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def scalar_or_array(self, hint: str, values: np.ndarray) -> str:
        """A coefficient as a 0-d constant when it is the same for every neuron."""
        values = np.asarray(values, dtype=np.float64)
        flat = values.reshape(-1)
        if flat.size and np.all(flat == flat[0]):
            return self.const(hint, flat[0])
        return self.const(hint, values)

    def op(self, op_type: str, inputs: list[str], hint: str, output: str | None = None,
           **attrs) -> str:
        """Append one node; its single output is ``output`` (reserved) or a fresh name."""
        out = output if output is not None else self.unique(hint)
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def add_all(self, parts: list[str], hint: str) -> str:
        """The sum of ``parts`` left to right (the reference backend's order)."""
        total = parts[0]
        for part in parts[1:]:
            total = self.op("Add", [total, part], hint)
        return total


def is_uniform(values: np.ndarray, target: float) -> bool:
    """True when every element equals ``target`` (such a factor is skipped)."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    return bool(flat.size) and bool(np.all(flat == target))


def tensor_info(name: str, shape: tuple[int, ...]) -> ValueInfoProto:
    """A float32 value info ``[batch, *shape]`` with a symbolic batch dimension."""
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [BATCH, *shape])
