"""Names of the metadata snn2hw stores on NIR graphs and nodes (its documented extension of NIR).

NIR has no dt, no initial state and no subtractive reset. snn2hw carries them as metadata under
keys prefixed with ``snn2hw.``; every snn2hw backend honours them, other tools ignore them.

Graph metadata:
- ``snn2hw.dt`` (float, seconds): the step used to discretise the continuous NIR neurons.
- ``snn2hw.T`` (int): number of time steps the model was trained with.
- ``snn2hw.readout`` (``"last"`` | ``"mean"``): LTS models read the last step, SDT/TET the
  time mean.
- ``snn2hw.input_encoding`` (``"repeat"`` | ``"sequence"``): a static sample repeated over T, or
  a true time series [T, B, ...].
- ``snn2hw.producer`` (str): ``"snn2hw <version>"``.
- ``snn2hw.arch`` (str): architecture name when known.

Neuron-node metadata:
- ``snn2hw.v_init`` (float array of the neuron shape): initial membrane potential (IMP); every
  new sample starts from it. Absent means zeros.
- ``snn2hw.reset`` (``"hard"`` | ``"subtract"``): absent means hard (NIR's only reset).

Written by the quantisation passes (documented in :mod:`snn2hw.passes.quantize_generic` and
:mod:`snn2hw.passes.fold_loihi`):
- ``snn2hw.quant.mode`` / ``.format`` / ``.input_scale`` (graph), ``snn2hw.quant.<param>``
  (neurons: the integer twin; weighted nodes: ``bias``; Output: ``unit``), ``snn2hw.quant.dequant``
  (the Scale nodes the pass inserts).
- ``snn2hw.loihi`` (nodes: a dict of Lava parameters), ``snn2hw.loihi.precision`` (``"float"`` |
  ``"fixed"``) and ``snn2hw.loihi.input_scale`` (graph).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snn2hw.errors import BadInputError

PREFIX = "snn2hw."
DT = PREFIX + "dt"
T = PREFIX + "T"
READOUT = PREFIX + "readout"
INPUT_ENCODING = PREFIX + "input_encoding"
PRODUCER = PREFIX + "producer"
ARCH = PREFIX + "arch"
V_INIT = PREFIX + "v_init"
RESET = PREFIX + "reset"

QUANT_PREFIX = PREFIX + "quant."
QUANT_MODE = QUANT_PREFIX + "mode"
QUANT_FORMAT = QUANT_PREFIX + "format"
QUANT_INPUT_SCALE = QUANT_PREFIX + "input_scale"
QUANT_DEQUANT = QUANT_PREFIX + "dequant"
LOIHI = PREFIX + "loihi"
LOIHI_PRECISION = LOIHI + ".precision"
LOIHI_INPUT_SCALE = LOIHI + ".input_scale"

READOUT_MODES = ("last", "mean")
RESET_MODES = ("hard", "subtract")
INPUT_ENCODINGS = ("repeat", "sequence")


def readout(values: Any, mode: str) -> Any:
    """Class scores ``[B, K]`` from time-major ``[T, B, K]`` (numpy or torch): the last step
    (LTS models) or the time mean (SDT/TET), the graph's ``snn2hw.readout``."""
    if mode == "last":
        return values[-1]
    if mode == "mean":
        return values.mean(0)
    raise BadInputError(f"unknown readout '{mode}' (known: {', '.join(READOUT_MODES)})")


def v_init(node: Any) -> np.ndarray | None:
    """The node's initial membrane potential, or None when it starts from zero."""
    value = getattr(node, "metadata", {}).get(V_INIT)
    return None if value is None else np.asarray(value, dtype=np.float64)


def reset_mode(node: Any) -> str:
    """``"hard"`` (NIR semantics) unless the node carries the subtractive-reset extension."""
    value = getattr(node, "metadata", {}).get(RESET, "hard")
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    return str(value)


def graph_value(graph: Any, key: str, default: Any = None) -> Any:
    """A graph metadata value with numpy scalars and bytes turned into plain Python values."""
    return plain_value(getattr(graph, "metadata", {}).get(key, default))


def plain_value(value: Any) -> Any:
    """A metadata value as read from HDF5 with numpy scalars and bytes as Python values."""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value
