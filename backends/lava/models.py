"""Faster CPU process models: Lava's ``Conv`` with the same arithmetic, and a recording sink.

Lava 0.10's Conv models (``lava.proc.conv.models``) compute every step with
``utils.conv_scipy``: one ``scipy.signal.convolve2d`` call per (output, input) channel pair,
262,144 calls per step for a 512-channel 3x3 layer (torch is disabled inside Lava processes
because it hangs there). That loop was 97 % of a SEW-ResNet-18 run. Their ``groups`` Var is
also int8, so a depthwise Conv (our pooling) over 128 or more channels wraps ``groups`` to 0
or below and silently outputs zeros.

The models here subclass Lava's own (same Vars, ports, tags and 24-bit wrap in fixed point)
and replace only the convolution: an im2col gather, precomputed once, and one matrix product
per group. Both compute in float64 as ``conv_scipy`` does: integer sums stay exact below 2**53
(8-bit weights times 24-bit messages over any realistic fan-in), and the float result is cast to
the weight's dtype as Lava casts it.

The recording sink's models are in :mod:`.record`. Imported only after
:func:`snn2hw.compat.lava_py311.import_lava`; the runner passes the models to Lava in
``exception_proc_model_map``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.proc.conv.models import PyConvModelFixed, PyConvModelFloat
from lava.proc.conv.process import Conv
from lava.proc.conv.utils import output_shape

from snn2hw.backends.lava.record.models import PyRecordFixed, PyRecordFloat
from snn2hw.backends.lava.record.process import Record


class ConvOperator:
    """Lava's convolution (``lava.proc.conv.utils.conv``: WHC input, weight ``[out, kw, kh,
    in / groups]``, true convolution, stride/padding/dilation in (x, y)) as gather + matmul."""

    def __init__(self, input_shape: tuple[int, int, int], weight: np.ndarray, stride, padding,
                 dilation, groups: int) -> None:
        out_c, kw, kh, cg = weight.shape
        ow, oh, _ = output_shape(input_shape, out_c, (kw, kh), stride, padding, dilation)
        width, height, channels = input_shape
        # Output position (x, y), tap (p, q) of the kernel as stored (convolution flips it) and
        # channel c of group g read input (x*s + d*(k-1-p) - pad, ...), or zero outside.
        x = (np.arange(ow)[:, None] * stride[0]
             + dilation[0] * (kw - 1 - np.arange(kw))[None, :] - padding[0])  # [ow, kw]
        y = (np.arange(oh)[:, None] * stride[1]
             + dilation[1] * (kh - 1 - np.arange(kh))[None, :] - padding[1])  # [oh, kh]
        c = np.arange(groups)[:, None] * cg + np.arange(cg)[None, :]  # [G, cg]
        inside = ((x >= 0) & (x < width))[None, None, :, None, :, None] & \
                 ((y >= 0) & (y < height))[None, None, None, :, None, :]
        flat = ((np.clip(x, 0, width - 1)[:, None, :, None] * height
                 + np.clip(y, 0, height - 1)[None, :, None, :]) * channels)  # [ow, oh, kw, kh]
        index = flat[None, None] + c[:, :, None, None, None, None]  # [G, cg, ow, oh, kw, kh]
        index = np.where(inside, index, width * height * channels)  # -> the appended zero
        # rows (cg, kw, kh), columns (ow, oh): matches the weight matrix below
        self.index = index.transpose(0, 1, 4, 5, 2, 3).reshape(groups, cg * kw * kh, ow * oh)
        self.matrix = (weight.astype(np.float64).reshape(groups, out_c // groups, kw, kh, cg)
                       .transpose(0, 1, 4, 2, 3).reshape(groups, out_c // groups, -1))
        self.shape = (out_c, ow, oh)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """WHC input -> WHC output, float64."""
        padded = np.append(values.astype(np.float64).ravel(), 0.0)
        out = np.matmul(self.matrix, padded[self.index])  # [G, out/G, ow*oh]
        return out.reshape(self.shape).transpose(1, 2, 0)


class _FastConv:
    """``run_spk`` of Lava's AbstractPyConvModel with :class:`ConvOperator` for the sum."""

    # Lava declares int8: 128 or more groups wrap (see the module docstring).
    groups: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    _operator: ConvOperator | None = None
    # Set on each instance by Lava's compiler from the LavaPyTypes of the Lava model mixed in
    # (lava ships no types): declared here for the type checker only, no class attribute.
    s_in: PyInPort
    a_out: PyOutPort
    a_buf: np.ndarray
    weight: np.ndarray
    stride: np.ndarray
    padding: np.ndarray
    dilation: np.ndarray
    num_message_bits: np.ndarray
    proc_params: Any  # lava's ProcessParameters: the Conv process's init arguments by name
    clamp_precision: Callable[[np.ndarray], np.ndarray]  # a method of the Lava model

    def run_spk(self) -> None:
        self.a_out.send(self.a_buf)
        s_in = self.s_in.recv()
        if self.num_message_bits.item() == 0:
            s_in = s_in.astype(bool)
        if self._operator is None:
            self._operator = ConvOperator(
                tuple(self.proc_params["input_shape"]), self.weight, tuple(self.stride),
                tuple(self.padding), tuple(self.dilation), int(self.groups[0]))
        self.a_buf = self.clamp_precision(self._operator(s_in).astype(self.weight.dtype))


class FastConvFloat(_FastConv, PyConvModelFloat):
    """Lava's floating_pt Conv model, fast."""


class FastConvFixed(_FastConv, PyConvModelFixed):
    """Lava's fixed_pt Conv model (24-bit wrap of the sums), fast."""


MODELS = {"floating_pt": {Conv: FastConvFloat, Record: PyRecordFloat},
          "fixed_pt": {Conv: FastConvFixed, Record: PyRecordFixed}}
