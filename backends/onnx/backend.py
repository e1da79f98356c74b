"""The ONNX backend: export a NIR graph's step (or load an exported one) and loop it over
time in onnxruntime on CPU, feeding each step's ``v_next.<node>`` back as ``v.<node>``."""

from __future__ import annotations

import time
from dataclasses import dataclass

import nir
import numpy as np
import onnxruntime as ort

from snn2hw.backend import Issue, NotCompiledError, RunConfig, RunResult
from snn2hw.errors import BadInputError, ConstraintError, one_line
from snn2hw.ir import metadata
from snn2hw.ir.graph_utils import check_time_major

from . import protocol
from .export import check_graph, export_onnx
from .model import OnnxStepModel, load_onnx

_QUIET = 3  # onnxruntime log level "error": the v_init.* constants are unused by design


@dataclass
class OnnxReport:
    opset: int
    onnx_nodes: int
    neuron_nodes: int
    state_elements: int
    provider: str
    steps_per_s: float


class OnnxBackend:
    """Runs one exported step per time step in onnxruntime (float32)."""

    name = "onnx"
    load = staticmethod(load_onnx)  # an exported .onnx step, for compile()

    def __init__(self) -> None:
        self.step: OnnxStepModel | None = None
        self.session: ort.InferenceSession | None = None
        self.config = RunConfig()
        self._speed = float("nan")

    def check(self, graph: nir.NIRGraph | OnnxStepModel, config: RunConfig) -> list[Issue]:
        if not isinstance(graph, OnnxStepModel):
            return check_graph(graph)
        stored = graph.metadata.get(metadata.DT)
        if config.dt is not None and config.dt != stored:
            return [Issue("graph", f"the ONNX step was exported with dt = {stored}; "
                                   "re-export the NIR graph to change it")]
        return []

    def compile(self, graph: nir.NIRGraph | OnnxStepModel, config: RunConfig) -> None:
        """Export ``graph`` (or take an already exported step) and open an inference session."""
        issues = self.check(graph, config)
        if issues:
            raise ConstraintError([str(i) for i in issues])
        if isinstance(graph, OnnxStepModel):
            self.step = graph
        else:
            self.step = OnnxStepModel.from_model(export_onnx(graph, config.dt))
        options = ort.SessionOptions()
        options.log_severity_level = _QUIET
        try:
            self.session = ort.InferenceSession(self.step.model.SerializeToString(), options,
                                                providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime's own types (Fail, InvalidGraph, ...)
            raise BadInputError(f"onnxruntime cannot load this step ({one_line(exc)})") from exc
        self.config = config

    def run(self, inputs: np.ndarray) -> RunResult:
        """Step through time-major ``inputs [T, B, *input_shape]``; output ``[T, B, ...]``."""
        if self.step is None or self.session is None:
            raise NotCompiledError(self.name, "run")
        x = np.ascontiguousarray(inputs, dtype=np.float32)
        check_time_major(x.shape, self.step.input_shape)
        names = self._output_names()
        kept = names if self.config.record else [protocol.OUTPUT]  # states only when recording
        states = {n: np.ascontiguousarray(np.broadcast_to(
            v.astype(np.float32), (x.shape[1], *v.shape))) for n, v in self.step.v_init.items()}
        history: dict[str, list[np.ndarray]] = {k: [] for k in kept}
        start = time.perf_counter()
        for t in range(x.shape[0]):
            feeds = {protocol.INPUT: x[t]} | {protocol.state(n): v for n, v in states.items()}
            values = dict(zip(names, self.session.run(names, feeds)))
            states = {n: values[protocol.next_state(n)] for n in states}
            for k in kept:
                history[k].append(values[k])
        self._speed = x.shape[0] / max(time.perf_counter() - start, 1e-12)
        stacked = {k: np.stack(v) for k, v in history.items()}
        return RunResult(output=stacked[protocol.OUTPUT], records=self._records(stacked),
                         stats={"steps_per_s": self._speed})

    def _output_names(self) -> list[str]:
        """``y`` and the next states always; spikes only when recording."""
        if self.step is None:
            raise NotCompiledError(self.name, "run")
        names = [protocol.OUTPUT] + [protocol.next_state(n) for n in self.step.neurons]
        if self.config.record:
            names += [protocol.spikes(n) for n in self.step.spiking]
        return names

    def _records(self, stacked: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Like the reference backend: ``<node>`` its output, ``<node>.v`` its potential."""
        if not self.config.record or self.step is None:
            return {}
        records = {}
        for n in self.step.neurons:
            v = stacked[protocol.next_state(n)]
            records[n] = stacked.get(protocol.spikes(n), v)
            records[n + ".v"] = v
        return records

    def report(self) -> OnnxReport:
        if self.step is None:
            raise NotCompiledError(self.name, "report")
        opset = next(o.version for o in self.step.model.opset_import if o.domain in ("", "ai.onnx"))
        return OnnxReport(
            opset=opset, onnx_nodes=len(self.step.model.graph.node),
            neuron_nodes=len(self.step.neurons),
            state_elements=int(sum(v.size for v in self.step.v_init.values())),
            provider="CPUExecutionProvider", steps_per_s=round(self._speed, 1),
        )
