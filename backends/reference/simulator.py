"""The reference simulator: any supported NIR graph in PyTorch, the golden model of snn2hw.

Acyclic graphs run layer by layer over all time steps at once (stateless nodes see
``[T*B, ...]``, neurons loop over T), as fast as the source model; with ``compiled=True`` that
run goes through torch.compile (:mod:`.compiled`). Graphs with cycles run
step by step, recurrent edges carrying the previous step's value (zeros at t = 0). Unless
every node is recorded, each value is dropped right after its last consumer has run (the plan
is computed once, by :func:`release_plan`), so peak memory is that of the source model.
"""

from __future__ import annotations

import warnings

import nir
import numpy as np
import torch

from snn2hw.backend import RunResult
from snn2hw.errors import UnsupportedError
from snn2hw.ir.discretize import resolve_dt
from snn2hw.ir.graph import Schedule, schedule
from snn2hw.ir.graph_utils import check_time_major, graph_input_shape
from snn2hw.torch_precision import exact_float32

from .compiled import CompiledRun
from .neurons import STATEFUL, Stepper, make_stepper
from .ops import stateless_op


def build_nodes(graph: nir.NIRGraph, dt: float, half: torch.dtype | None = None,
                **kw) -> dict[str, torch.nn.Module]:
    """Each node's stateless module or stepper (weighted ones multiplying in ``half``)."""
    built = {}
    for name, node in graph.nodes.items():
        built[name] = make_stepper(node, dt, **kw) if isinstance(node, STATEFUL) else stateless_op(
            name, node, half=half, **kw
        )
    return built


class Simulator:
    """A graph prepared once (weights on the device, Euler coefficients) and run many times;
    ``half`` (float16/bfloat16): the weighted layers multiply in it, all else in ``dtype``."""

    def __init__(self, graph: nir.NIRGraph, dt: float | None = None, device: str = "cpu",
                 dtype: torch.dtype = torch.float32, compiled: bool = False,
                 half: torch.dtype | None = None):
        self.schedule = schedule(graph)
        self.input_shape = graph_input_shape(graph)
        self.device, self.dtype = device, dtype
        self.nodes = build_nodes(graph, resolve_dt(graph, dt), half, device=device, dtype=dtype)
        self.release = release_plan(self.schedule)
        # Only the layer-by-layer run of an acyclic graph is compiled; cycles run step by step.
        self.compiled = None if not compiled or self.schedule.has_cycles else CompiledRun(
            lambda x, steps: _run_layerwise(self.schedule, self.nodes, x, steps,
                                            release=self.release,
                                            stack=True)[self.schedule.output_name],
            self.nodes.values())

    def run(self, inputs: np.ndarray | torch.Tensor, record: bool = False,
            potentials: bool = True) -> RunResult:
        """Run time-major ``inputs [T, B, *input_shape]``; output ``[T, B, ...]``. With
        ``record``, every node's output too (and each neuron's potential unless not
        ``potentials``)."""
        x = _as_tensor(inputs).to(device=self.device, dtype=self.dtype)
        check_time_major(x.shape, self.input_shape)
        release = None if record else self.release
        with torch.no_grad(), exact_float32():  # the golden model: IEEE float32, no TF32
            if self.schedule.has_cycles:
                values = _run_stepwise(self.schedule, self.nodes, x, record and potentials,
                                       release)
            else:
                # A static input (one image repeated over T) runs its stem once.
                steps, x = x.shape[0], x[:1] if bool((x == x[:1]).all()) else x
                if self.compiled is not None and not record:
                    return RunResult(output=self.compiled(x, steps).cpu().numpy(), records={})
                values = _run_layerwise(self.schedule, self.nodes, x, steps,
                                        record and potentials, release)
        output = values[self.schedule.output_name].cpu().numpy()
        # Records: every node's output, and "<name>.v" each neuron's potential after reset.
        records = {n: v.cpu().numpy() for n, v in values.items()} if record else {}
        return RunResult(output=output, records=records)


def _as_tensor(inputs: np.ndarray | torch.Tensor) -> torch.Tensor:
    """``inputs`` as a tensor without a copy. A read-only array (a static image broadcast over
    T) is shared too: torch warns that it cannot protect it, but nothing here writes to it."""
    if torch.is_tensor(inputs):
        return inputs
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The given NumPy array is not writable")
        return torch.as_tensor(np.asarray(inputs))


def simulate(
    graph: nir.NIRGraph,
    inputs: np.ndarray | torch.Tensor,
    dt: float | None = None,
    record: bool = False,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
    potentials: bool = True,
) -> RunResult:
    """Run ``graph`` once on time-major ``inputs [T, B, *input_shape]``."""
    return Simulator(graph, dt, device, dtype).run(inputs, record, potentials)


def release_plan(sched: Schedule) -> dict[str, list[str]]:
    """For each node, the values no later node reads once it has run: its forward sources
    whose last consumer (in ``sched.order``) it is, and itself if nothing reads it. The
    output is never released; recurrent edges read the previous step's values, which the
    step-by-step run keeps apart."""
    last: dict[str, str] = {name: name for name in sched.order}
    for name in sched.order:
        for source in sched.forward_inputs[name]:
            last[source] = name
    plan: dict[str, list[str]] = {name: [] for name in sched.order}
    for value, consumer in last.items():
        if value != sched.output_name:
            plan[consumer].append(value)
    return plan


def _sum_inputs(name: str, parts: list[torch.Tensor]) -> torch.Tensor:
    if not parts:
        raise UnsupportedError(f"node '{name}' has no input edge")
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _run_layerwise(
    sched: Schedule, nodes: dict, x: torch.Tensor, steps: int, record: bool = False,
    release: dict[str, list[str]] | None = None, stack: bool = False,
) -> dict[str, torch.Tensor]:
    """Node by node over ``steps`` steps of ``x [T or 1, B, ...]``. A static input (``x`` of
    one step: an image repeated over T) keeps values ``[1, B, ...]`` until the first stateful
    node, so a static stem is computed once, as in the source model, and broadcast over time
    afterwards. With a ``release`` plan, values are dropped once read for the last time (only
    the output is returned); without one, every node's value is returned. Written so that
    torch.compile traces it whole (no data-dependent branch; ``stack``: see _run_stateful)."""
    batch = x.shape[1]
    values: dict[str, torch.Tensor] = {}
    for name in sched.order:
        if name == sched.input_name:
            values[name] = x
            continue
        inp = _sum_inputs(name, [values[p] for p in sched.forward_inputs[name]])
        fn = nodes[name]
        if not isinstance(fn, Stepper):
            values[name] = _stateless(fn, inp, batch)
        else:
            values.update(_run_stateful(name, fn, inp.expand(steps, *inp.shape[1:]), record,
                                        stack))
        del inp
        for done in release[name] if release is not None else ():
            del values[done]
    return {name: v.expand(steps, *v.shape[1:]) for name, v in values.items()}


def _stateless(fn, inp: torch.Tensor, batch: int) -> torch.Tensor:
    """A stateless node on ``[N, B, ...]`` (no local name outlives the call: freed values
    are not kept alive by the loop)."""
    out = fn(inp.flatten(0, 1))
    return out.reshape(inp.shape[0], batch, *out.shape[1:])


def _run_stateful(name: str, stepper, inp: torch.Tensor, record: bool,
                  stack: bool = False) -> dict[str, torch.Tensor]:
    """Step one stateful node through time; with ``record`` neurons also yield ``<name>.v``.
    Each step's output goes into one preallocated ``[T, B, ...]`` tensor, or with ``stack``
    into a list stacked at the end: inductor fuses the neuron updates only that way (SEW-18,
    compiled: 0.81x the eager time stacked, 0.93x preallocated), while eagerly the list
    holds a layer's output twice at the end (peak memory 0.97x the source model's vs 0.70x)."""
    stepper.reset(inp[0])
    keep_v = record and getattr(stepper, "v", None) is not None
    if stack:
        steps = [stepper.step(inp[t]) for t in range(inp.shape[0])]
        return {name: torch.stack(steps)}
    out = _steps_like(inp)
    potentials = torch.empty_like(inp) if keep_v else None
    for t in range(inp.shape[0]):
        out[t] = stepper.step(inp[t])
        if potentials is not None:
            potentials[t] = stepper.v
    return {name: out} if potentials is None else {name: out, name + ".v": potentials}


def _steps_like(inp: torch.Tensor) -> torch.Tensor:
    """An uninitialised ``[T, B, ...]`` with each step laid out as ``inp[0]``: a static input
    expanded over T (stride 0) would otherwise come back NCHW, and every following conv would
    copy it back to channels_last."""
    step = inp[0]
    if step.dim() == 4 and step.is_contiguous(memory_format=torch.channels_last):
        flat = torch.empty((inp.shape[0] * step.shape[0], *step.shape[1:]), dtype=inp.dtype,
                           device=inp.device, memory_format=torch.channels_last)
        return flat.unflatten(0, inp.shape[:2])
    return torch.empty_like(inp)


def _run_stepwise(
    sched: Schedule, nodes: dict, x: torch.Tensor, record: bool = False,
    release: dict[str, list[str]] | None = None,
) -> dict[str, torch.Tensor]:
    """Step by step through every node; with a ``release`` plan only the output's history is
    kept (each step's values are needed only by that step and the next)."""
    kept = [sched.output_name] if release is not None else sched.order
    history: dict[str, list[torch.Tensor]] = {n: [] for n in kept}
    previous: dict[str, torch.Tensor] = {}
    for t in range(x.shape[0]):
        current: dict[str, torch.Tensor] = {}
        for name in sched.order:
            if name == sched.input_name:
                current[name] = x[t]
            else:
                current[name] = _step_node(name, sched, nodes[name], current, previous, t)
            if name in history:
                history[name].append(current[name])
            if record and getattr(nodes[name], "v", None) is not None:
                history.setdefault(name + ".v", []).append(nodes[name].v)
        previous = current
    return {n: torch.stack(v) for n, v in history.items()}


def _step_node(name, sched, fn, current, previous, t) -> torch.Tensor:
    parts = [current[p] for p in sched.forward_inputs[name]]
    # A recurrent source has no value before the first step: it contributes nothing then.
    parts += [previous[p] for p in sched.recurrent_inputs[name] if p in previous]
    inp = _sum_inputs(name, parts)
    if not isinstance(fn, Stepper):
        return fn(inp)
    if t == 0:
        fn.reset(inp)
    return fn.step(inp)
