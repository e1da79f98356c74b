"""The contract of an exported ONNX step: tensor names, opset and the metadata it carries.

One ONNX graph computes ONE time step. Inputs: ``x`` ``[batch, *input_shape]`` and the membrane
potential ``v.<node>`` ``[batch, *shape]`` of every neuron node. Outputs: ``y`` (the NIR Output
node's value), ``spikes.<node>`` of every spiking neuron, and ``v_next.<node>`` (the potential
after reset) to feed back as ``v.<node>`` at the next step. Initializers ``v_init.<node>``
(``[*shape]``, no batch) hold the initial potentials (IMP; zeros without it): at ``t = 0`` feed
them broadcast over the batch.
"""

from __future__ import annotations

import json
from typing import Any

from snn2hw.errors import BadInputError
from snn2hw.ir import metadata

OPSET = 17
"""ONNX opset of exported models (onnxruntime on CPU runs it with no custom ops)."""
IR_VERSION = 8
"""ONNX IR version matching :data:`OPSET`."""

INPUT = "x"
OUTPUT = "y"
BATCH = "batch"
STATE, NEXT_STATE, INITIAL_STATE, SPIKES = "v.", "v_next.", "v_init.", "spikes."

# Graph metadata copied into the ONNX model's metadata_props (values JSON-encoded).
CARRIED_KEYS = (metadata.DT, metadata.T, metadata.READOUT, metadata.INPUT_ENCODING,
                metadata.PRODUCER, metadata.ARCH)


def state(node: str) -> str:
    return STATE + node


def next_state(node: str) -> str:
    return NEXT_STATE + node


def initial_state(node: str) -> str:
    return INITIAL_STATE + node


def spikes(node: str) -> str:
    return SPIKES + node


def encode_metadata(graph: Any, dt: float) -> dict[str, str]:
    """A NIR graph's snn2hw metadata, with the ``dt`` used, as ONNX metadata_props strings."""
    present = getattr(graph, "metadata", {})
    props = {key: json.dumps(metadata.graph_value(graph, key)) for key in CARRIED_KEYS
             if key in present}
    return props | {metadata.DT: json.dumps(dt)}


def decode_metadata(props: dict[str, str]) -> dict[str, Any]:
    """The inverse of :func:`encode_metadata`; unknown keys are ignored."""
    try:
        return {key: json.loads(props[key]) for key in CARRIED_KEYS if key in props}
    except json.JSONDecodeError as exc:
        raise BadInputError(f"ONNX metadata is not snn2hw's JSON ({exc.msg})") from exc


def doc_string(neurons: list[str], dt: float) -> str:
    """The model's doc_string: how to step it."""
    names = ", ".join(neurons) or "none"
    return (
        f"One time step of a spiking network exported by snn2hw (Euler, dt = {dt!r} s). "
        f"Inputs: '{INPUT}' [batch, ...] and '{STATE}<node>' for each neuron node ({names}). "
        f"Outputs: '{OUTPUT}', '{SPIKES}<node>' for spiking neurons, and '{NEXT_STATE}<node>' "
        f"to feed back as '{STATE}<node>' at the next step. At t = 0 feed the initializer "
        f"'{INITIAL_STATE}<node>' ([...] without batch, the IMP initial potential) broadcast "
        "over the batch. Fire: spike = v > v_threshold, then v = v_reset (hard reset) or "
        "v = v - v_threshold (snn2hw.reset = subtract)."
    )
