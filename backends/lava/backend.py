"""The Lava backend behind the common interface: NIR -> lava.proc processes, float or fixed.

``precision="float"`` runs the folded graph (:func:`snn2hw.passes.fold_loihi.fold_loihi`) on
Lava's ``floating_pt`` models; ``"fixed"`` runs the Loihi-quantised graph
(:func:`snn2hw.passes.quantize_loihi.quantize_loihi`) on the bit-accurate ``fixed_pt`` models.
Options in ``RunConfig.extra``: ``scale`` (fixed layer scale, default: per layer, widest
mantissa) and ``input_scale`` (integer input = float input * scale, default 1).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import nir
import numpy as np

from snn2hw import passes
from snn2hw.backend import Issue, NotCompiledError, RunConfig, RunResult
from snn2hw.errors import (
    BackendUnavailableError,
    BadInputError,
    ConstraintError,
    Snn2hwError,
    Snn2hwWarning,
)
from snn2hw.ir.capabilities import unsupported
from snn2hw.ir.graph_utils import check_time_major
from snn2hw.ir.metadata import graph_value
from snn2hw.passes.fold_loihi import INPUT_SCALE, PRECISION, dequantise, loihi_issues
from snn2hw.passes.loihi_graph import SYNAPSES, Topology, topology

from .build import LavaNetwork, build
from .report import LavaReport, make_report
from .runner import run_batch

MESSAGE_MAX = 2**31 - 1  # the int32 that Lava's fixed-point ports carry

PRECISIONS = {"float": "floating_pt", "fixed": "fixed_pt"}


def _import_lava() -> None:
    try:
        from snn2hw.compat.lava_py311 import import_lava

        import_lava()
    except ImportError as exc:
        raise BackendUnavailableError(f"lava-nc is not installed: {exc}") from exc


@dataclass(frozen=True)
class _Compiled:
    """What ``compile`` produced: the graph Lava runs (folded or quantised) and its topology."""

    mapped: nir.NIRGraph
    topo: Topology
    config: RunConfig


class LavaBackend:
    """Maps IF/LIF NIR graphs onto Lava processes and runs them in Lava's CPU simulator."""

    name = "lava"

    def __init__(self) -> None:
        self._compiled: _Compiled | None = None
        self.last: LavaNetwork | None = None

    @property
    def mapped(self) -> nir.NIRGraph | None:
        """The graph Lava runs (folded or quantised), ``None`` before ``compile``."""
        return self._compiled.mapped if self._compiled else None

    def _state(self, method: str) -> _Compiled:
        if self._compiled is None:
            raise NotCompiledError(self.name, method)
        return self._compiled

    def check(self, graph: nir.NIRGraph, config: RunConfig) -> list[Issue]:
        if config.precision not in PRECISIONS:
            return [Issue("config", f"precision must be one of {sorted(PRECISIONS)}")]
        if _quantised(graph):
            return [] if config.precision == "fixed" else [Issue(
                "graph", "already quantised to Loihi formats: run it with --precision fixed")]
        refused = unsupported(graph, self.name)  # by name, from the capability table
        if refused:
            return refused
        try:  # check never raises for model problems (a bad dt included)
            issues = [Issue(n, m) for n, m in loihi_issues(graph, config.dt)]
        except Snn2hwError as exc:
            return [Issue("graph", str(exc))]
        if not issues and config.precision == "fixed":
            try:
                self._map(graph, config)
            except (Snn2hwError, ValueError, ArithmeticError) as exc:
                issues.append(Issue("graph", f"cannot quantise to Loihi formats: {exc}"))
        return issues

    def compile(self, graph: nir.NIRGraph, config: RunConfig) -> None:
        issues = self.check(graph, config)
        if issues:
            raise ConstraintError([str(i) for i in issues])
        _import_lava()
        mapped = self._map(graph, config)
        self._compiled = _Compiled(mapped, topology(mapped), config)

    def _map(self, graph: nir.NIRGraph, config: RunConfig) -> nir.NIRGraph:
        if _quantised(graph):
            return graph  # written by `snn2hw quantize --mode loihi`: run the very same integers
        if config.precision == "float":
            return passes.run_pipeline(graph, [("fold-loihi", {"dt": config.dt})])
        extra = config.extra
        return passes.run_pipeline(graph, [("quantize-loihi", {
            "dt": config.dt, "scale": extra.get("scale"),
            "input_scale": float(extra.get("input_scale", 1.0))})])

    def run(self, inputs: np.ndarray) -> RunResult:
        state = self._state("run")
        x = np.asarray(inputs, dtype=np.float64)
        in_shape = state.topo.shapes[state.topo.input_name]
        check_time_major(x.shape, in_shape)
        steps, batch = x.shape[:2]
        depth = max(_delays(state).values())
        config = state.config
        net = build(state.mapped, state.topo, _source_data(state, x, steps + depth),
                    config.record, steps + depth)
        records = run_batch(net, batch, steps + depth, PRECISIONS[config.precision],
                            config.progress)
        self.last = net
        return _result(state, net, records, steps)

    def report(self) -> LavaReport:
        state = self._state("report")
        return make_report(state.mapped, state.topo, _delays(state), state.config.precision,
                           self.last.timing if self.last else {})


def _delays(state: _Compiled) -> dict[str, int]:
    from .layout import delays

    return delays(state.mapped, state.topo)[0]


def _source_data(state: _Compiled, x: np.ndarray, length: int) -> np.ndarray:
    """``[T, B, *in]`` -> ``[*Lava input shape, B * length]`` (each sample zero-padded)."""
    from .layout import chw_layout

    steps, batch = x.shape[:2]
    topo = state.topo
    scale = float(state.mapped.metadata.get(INPUT_SCALE, 1.0))
    if state.config.precision == "fixed":
        scaled = x * scale
        x = np.rint(scaled)
        if not np.array_equal(x, scaled):
            warnings.warn(f"fixed point: inputs rounded to integers after scaling by {scale}",
                          Snn2hwWarning, stacklevel=3)
        peak = float(np.abs(x).max(initial=0.0))
        if peak > MESSAGE_MAX:  # Lava's int32 cast of such a value is undefined
            raise BadInputError(f"inputs scaled by {scale:g} reach {peak:.3g}, beyond the "
                                f"range of Lava's fixed-point messages (±{MESSAGE_MAX})")
    flat = x.reshape(steps, batch, -1)[..., chw_layout(topo.shapes[topo.input_name]).perm]
    padded = np.zeros((batch, length, flat.shape[-1]))
    padded[:, :steps] = flat.transpose(1, 0, 2)
    lava_shape = _lava_input_shape(topo)
    return padded.reshape(batch * length, *lava_shape).transpose(
        *range(1, len(lava_shape) + 1), 0)


def _result(state: _Compiled, net: LavaNetwork, records: dict[str, np.ndarray],
            steps: int) -> RunResult:
    topo, mapped, out = state.topo, state.mapped, {}
    for name, data in records.items():
        node = name if name != topo.output_name else _producer(mapped, topo, name)
        delay = net.delay[name]
        aligned = net.layout[name].to_nir(data[:, delay:delay + steps], topo.shapes[name])
        out[name] = np.swapaxes(aligned, 0, 1)
        if isinstance(mapped.nodes[node], SYNAPSES):
            out[name] = dequantise(mapped.nodes[node], out[name])
    output = out.pop(topo.output_name)
    return RunResult(output=output, records=out, stats=dict(net.timing))


def _producer(graph: nir.NIRGraph, topo: Topology, name: str) -> str:
    """The node whose values reach ``name`` through Output/Flatten nodes."""
    while isinstance(graph.nodes[name], (nir.Output, nir.Flatten)):
        name = topo.preds[name][0]
    return name


def _lava_input_shape(topo: Topology) -> tuple[int, ...]:
    shape = topo.shapes[topo.input_name]
    return tuple(reversed(shape)) if len(shape) == 3 else tuple(shape)


def _quantised(graph: nir.NIRGraph) -> bool:
    """Written by ``snn2hw quantize --mode loihi`` (integer weights and Loihi parameters)."""
    return graph_value(graph, PRECISION) == "fixed"
