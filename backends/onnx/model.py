"""An exported ONNX step read back: its tensors, initial states and snn2hw metadata.

:class:`OnnxStepModel` also presents the NIR interface that ``snn2hw run`` needs from a graph
(the Input node and the graph metadata), so a ``.onnx`` file runs like a ``.nir`` one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nir
import numpy as np
import onnx
from onnx import numpy_helper

from snn2hw.errors import BadInputError

from . import protocol


@dataclass
class OnnxStepModel:
    """One exported step: the model, neuron names in order, and their initial potentials."""

    model: onnx.ModelProto
    input_shape: tuple[int, ...]
    neurons: list[str]
    v_init: dict[str, np.ndarray]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def nodes(self) -> dict[str, nir.NIRNode]:
        """The NIR Input node of the exported graph (what input preparation reads)."""
        return {"input": nir.Input(np.array(self.input_shape))}

    @property
    def spiking(self) -> list[str]:
        """Neurons whose spikes are outputs of the step."""
        outputs = {o.name for o in self.model.graph.output}
        return [n for n in self.neurons if protocol.spikes(n) in outputs]

    @classmethod
    def from_model(cls, model: onnx.ModelProto, where: str = "model") -> OnnxStepModel:
        """Read the step contract from ``model``; BadInputError if it does not follow it."""
        inputs = {i.name: i for i in model.graph.input}
        if protocol.INPUT not in inputs:
            raise BadInputError(f"{where}: not an snn2hw ONNX step (no input '{protocol.INPUT}')")
        dims = inputs[protocol.INPUT].type.tensor_type.shape.dim[1:]
        neurons = [n[len(protocol.STATE):] for n in inputs if n.startswith(protocol.STATE)]
        constants = {t.name: t for t in model.graph.initializer}
        missing = [n for n in neurons if protocol.initial_state(n) not in constants]
        if missing:
            raise BadInputError(f"{where}: no initial state for {', '.join(missing)}")
        outputs = {o.name for o in model.graph.output}
        absent = [name for name in (protocol.OUTPUT, *map(protocol.next_state, neurons))
                  if name not in outputs]
        if absent:
            raise BadInputError(f"{where}: not an snn2hw ONNX step (no output "
                                f"{', '.join(repr(a) for a in absent)})")
        v_init = {n: numpy_helper.to_array(constants[protocol.initial_state(n)])
                  for n in neurons}
        props = {p.key: p.value for p in model.metadata_props}
        return cls(model, tuple(int(d.dim_value) for d in dims), neurons, v_init,
                   protocol.decode_metadata(props))


def load_onnx(path: str | os.PathLike) -> OnnxStepModel:
    """Read an exported ``.onnx`` step, with errors naming the file."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"{path}: no such file")
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model)
    except Exception as exc:  # onnx raises DecodeError, ValidationError, ...
        text = str(exc).strip().splitlines()
        raise BadInputError(f"{path}: not a valid ONNX model ({text[0] if text else exc})") from exc
    try:
        return OnnxStepModel.from_model(model, str(path))
    except BadInputError:
        raise
    except Exception as exc:  # a valid ONNX model whose contents are not snn2hw's step
        raise BadInputError(f"{path}: not an ONNX step written by snn2hw "
                            f"({type(exc).__name__}: {exc})") from exc
