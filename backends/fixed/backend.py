"""The fixed-point backend behind the common interface (see snn2hw.backend).

A graph quantised by ``snn2hw quantize`` (generic: ``snn2hw.quant.mode``; loihi:
``snn2hw.loihi.precision`` = ``fixed``) runs as it is. A float graph is quantised on compile
with the options in ``RunConfig.extra``:
``mode`` (``loihi`` by default: the chip's arithmetic; ``generic`` for bit-width studies), and
for generic mode ``weight_bits``, ``state_bits``,
``decay_bits``, ``granularity``, ``rounding``, ``saturate``, ``input_scale``; for loihi mode
``scale``, ``input_scale`` and ``timing`` (``aligned`` or ``lava``, see :mod:`.loihi`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import nir
import numpy as np
import torch

from snn2hw.backend import Issue, NotCompiledError, RunConfig, RunResult
from snn2hw.errors import BadInputError, ConstraintError, UnsupportedError
from snn2hw.ir import metadata
from snn2hw.ir.capabilities import unsupported
from snn2hw.ir.graph_utils import check_time_major, graph_input_shape
from snn2hw.passes import quantize_generic as qg
from snn2hw.torch_precision import exact_float32

from . import generic, loihi
from .events import warn_events
from .simulator import Program, execute

MODES = {"generic": generic, "loihi": loihi}


@dataclass
class FixedReport:
    mode: str
    format: dict[str, Any]
    nodes: int
    device: str
    events: dict[str, dict[str, int]] = field(default_factory=dict)  # per layer, since compile
    updates: dict[str, int] = field(default_factory=dict)  # values computed per layer (the base)
    # per layer, fixed when quantised: weights or parameters clipped or rounded to zero
    quantisation: dict[str, dict[str, int]] = field(default_factory=dict)


DEFAULT_MODE = "loihi"


def quantize_for(graph: nir.NIRGraph, config: RunConfig) -> nir.NIRGraph:
    """``graph`` itself when already quantised (its mode and input scale must agree with
    ``config.extra``), else quantised with ``config.extra``."""
    extra = dict(config.extra)
    extra.pop("timing", None)
    stored = mode_of(graph)
    if stored:
        _check_quantised(graph, stored, extra)
        return graph
    mode = extra.pop("mode", None) or DEFAULT_MODE
    if mode not in MODES:
        raise BadInputError(f"unknown fixed-point mode '{mode}' (use {' or '.join(MODES)})")
    return MODES[mode].quantize(graph, extra, config.dt)


def _check_quantised(graph: nir.NIRGraph, stored: str, extra: dict) -> None:
    """A quantised file runs as written: a different mode or input scale is an error (the
    integers were chosen for them; running anyway would silently lose accuracy)."""
    mode = extra.get("mode")
    if mode and mode != stored:
        raise BadInputError(f"the graph is quantised in {stored} mode, not {mode}: run it "
                            f"without --mode, or quantise the float graph with --mode {mode}")
    wanted = extra.get("input_scale")
    scale = MODES[stored].input_scale(graph)
    if wanted is not None and float(wanted) != scale:
        raise BadInputError(f"the graph was quantised for input scale {scale:g}, but the input "
                            f"asks for {float(wanted):g}: quantise the float graph again with "
                            f"--input-scale {float(wanted):g} (or run without --input-scale)")


def mode_of(graph: nir.NIRGraph) -> str:
    """``generic``, ``loihi`` (a graph from quantize_loihi) or empty for a float graph."""
    if loihi.is_loihi(graph):
        return "loihi"
    return str(metadata.graph_value(graph, qg.MODE, ""))


def _numpy(values: torch.Tensor) -> np.ndarray:
    """Integers (spikes included) as an int64 numpy array (converted after the transfer)."""
    return values.cpu().to(torch.int64).numpy()


def _static(inputs: np.ndarray) -> np.ndarray:
    """The first step alone when every step equals it (a static image repeated over T): the
    simulator then computes the layers before the first neuron once, and less is transferred."""
    same = (inputs.strides[0] == 0 or np.array_equal(step, inputs[0]) for step in inputs[1:])
    return inputs[:1] if inputs.shape[0] > 1 and all(same) else inputs


class FixedBackend:
    """Quantised fixed-point simulation with vectorised PyTorch integer arithmetic."""

    name = "fixed"

    def __init__(self) -> None:
        self.graph: nir.NIRGraph | None = None
        self.program: Program | None = None
        self.config = RunConfig()

    def check(self, graph: nir.NIRGraph, config: RunConfig) -> list[Issue]:
        mode = mode_of(graph) or config.extra.get("mode") or DEFAULT_MODE
        refused = unsupported(graph, f"fixed:{mode}") if mode in MODES else []
        if refused:  # by name, from the capability table
            return refused
        try:
            quantized = quantize_for(graph, config)
        except (UnsupportedError, BadInputError, ValueError, ArithmeticError) as exc:
            hint = "" if "mode" in config.extra else " (--mode generic runs more graphs)"
            return [Issue("graph", f"{exc}{hint}")]
        mode = mode_of(quantized)
        if mode not in MODES:
            return [Issue("graph", f"unknown snn2hw.quant.mode '{mode}'")]
        return MODES[mode].check(quantized)

    def compile(self, graph: nir.NIRGraph, config: RunConfig) -> None:
        issues = self.check(graph, config)
        if issues:
            raise ConstraintError([str(i) for i in issues])
        self.graph, self.config = quantize_for(graph, config), config
        timing = {"timing": config.extra["timing"]} if "timing" in config.extra else {}
        self.program = MODES[mode_of(self.graph)].build(self.graph, config.device, **timing)

    def run(self, inputs: np.ndarray) -> RunResult:
        if self.program is None or self.graph is None:
            raise NotCompiledError(self.name, "run")
        inputs = np.asarray(inputs)
        check_time_major(inputs.shape, graph_input_shape(self.graph))
        static = _static(inputs)  # a broadcast input is read-only: torch needs a writable copy
        static = np.ascontiguousarray(static) if static.flags.writeable else np.array(static)
        x = torch.as_tensor(static, device=self.config.device)
        with torch.inference_mode(), exact_float32():  # no TF32: float32 sums stay exact
            values = execute(self.program, x, self.config.record, steps=inputs.shape[0])
        module = MODES[mode_of(self.graph)]
        raw = _numpy(values[self.program.schedule.output_name])
        records = {n: _numpy(v) for n, v in values.items()} if self.config.record else {}
        output = module.dequantize(self.graph, raw, self.program.schedule)
        events = self.program.counters()
        warn_events(events, self.program.updates(), module.quantisation_events(self.graph))
        return RunResult(output=output, records=records, stats={"events": events})

    def report(self) -> FixedReport:
        if self.program is None or self.graph is None:
            raise NotCompiledError(self.name, "report")
        mode = mode_of(self.graph)
        return FixedReport(mode=mode, format=MODES[mode].format_summary(self.graph),
                           nodes=len(self.graph.nodes), device=self.config.device,
                           events=self.program.counters(), updates=self.program.updates(),
                           quantisation=MODES[mode].quantisation_events(self.graph))
