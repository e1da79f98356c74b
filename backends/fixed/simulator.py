"""Layer-major execution of an integer program: the integer twin of the reference simulator.

Stateless integer ops see ``[T*B, ...]`` at once (a static input only once, ``[1*B, ...]``);
neuron populations run their own time loop over ``[T, B, ...]``. A node may delay its output
by whole steps (Lava's Dense/Conv send last step's accumulation), zeros first. With
``lava_timing``, inputs of a sum that arrive with different delays are aligned (the shorter
path waits), the program runs ``depth`` extra steps on zero input and the output is shifted
back by its ``depth`` so that step t is at index t.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from snn2hw.errors import UnsupportedError
from snn2hw.ir.graph import Schedule

from .intops import span
from .synapses import FLOAT32_EXACT


@dataclass
class Program:
    """What :func:`execute` runs: per node an integer op (callable on ``[N, ...]``) or a neuron
    population (``.run`` on ``[T, B, ...]``), the output delays in steps, the schedule."""

    schedule: Schedule
    nodes: dict[str, object]
    delays: dict[str, int] = field(default_factory=dict)
    lava_timing: bool = False
    computed: dict[str, int] = field(default_factory=dict)  # values computed per node, all runs
    spiking: frozenset[str] = frozenset()  # nodes whose output is 0/1 spikes

    def depths(self) -> dict[str, int]:
        """Steps of delay accumulated from the input to each node's output."""
        sched, depth = self.schedule, dict[str, int]()
        for name in sched.order:
            preds = sched.forward_inputs[name]
            depth[name] = max((depth[p] for p in preds), default=0) + self.delays.get(name, 0)
        return depth

    def counters(self) -> dict[str, dict[str, int]]:
        """Saturation/overflow events per node since the program was built."""
        table = {}
        for name, node in self.nodes.items():
            counts = getattr(node, "counters", None)
            if counts:
                table[name] = {k: int(v) for k, v in counts.items()}
        return table

    def updates(self) -> dict[str, int]:
        """Values each counting node computed since the program was built (the base of its
        event fractions; a static input's stateless part is computed once)."""
        return {n: self.computed.get(n, 0) for n in self.counters()}


def _delayed(y: torch.Tensor, steps: int) -> torch.Tensor:
    if steps == 0:
        return y
    pad = torch.zeros((min(steps, y.shape[0]), *y.shape[1:]), dtype=y.dtype, device=y.device)
    return torch.cat([pad, y[: y.shape[0] - steps]])


def _sum(name: str, parts: list[torch.Tensor], spikes: bool = False) -> torch.Tensor:
    """Fan-in sums; spikes (bool) count as integers there. A sum of ``spikes`` only (0/1 from
    populations, fewer than 2^24 of them) is exact in float32, the type its consumers use, and
    so is one of float32 integers whose magnitudes add up to less than 2^24; others in int64."""
    if not parts:
        raise UnsupportedError(f"node '{name}' has no input edge")
    if len(parts) == 1:
        return parts[0]
    if spikes or _small_floats(parts):
        total = parts[0].to(torch.float32, copy=True)
        for part in parts[1:]:
            total.add_(part)
        return total
    total = parts[0].to(torch.int64)
    for part in parts[1:]:
        total = total + part.to(torch.int64)
    return total


def _small_floats(parts: list[torch.Tensor]) -> bool:
    """Whether every part is float32 and the sum of their largest magnitudes is below 2^24."""
    if any(part.dtype != torch.float32 for part in parts):
        return False
    return sum(max(-low, high) for low, high in map(span, parts)) < FLOAT32_EXACT


def execute(program: Program, x: torch.Tensor, record: bool = False, steps: int | None = None
            ) -> dict[str, torch.Tensor]:
    """Run ``x [T, B, ...]``; the output node's value (and every node's, ``<name>.v`` the
    potentials, when ``record``). ``x`` with one step and ``steps`` > 1 is a static input (that
    step repeated): with aligned timing it is computed once, values keeping one step until the
    first neuron population (as in the reference simulator)."""
    sched = program.schedule
    if sched.has_cycles:
        raise UnsupportedError("the fixed backend runs feed-forward and residual graphs only")
    steps = x.shape[0] if steps is None else steps
    if program.lava_timing:
        x = x.expand(steps, *x.shape[1:])
    depth = program.depths() if program.lava_timing else {}
    shift = depth.get(sched.output_name, 0)
    if shift:
        x = torch.cat([x, torch.zeros((shift, *x.shape[1:]), dtype=x.dtype, device=x.device)])
    values: dict[str, torch.Tensor] = {}
    for name in sched.order:
        if name == sched.input_name:
            values[name] = _stateless(program.nodes[name], x)
            continue
        preds = sched.forward_inputs[name]
        latest = max((depth.get(p, 0) for p in preds), default=0)
        spikes = all(p in program.spiking for p in preds)
        inp = _sum(name, [_delayed(values[p], latest - depth.get(p, 0)) for p in preds], spikes)
        values.update(_node(name, program.nodes[name], inp, steps + shift, record))
        program.computed[name] = program.computed.get(name, 0) + values[name].numel()
        values[name] = _delayed(values[name], program.delays.get(name, 0))
    values = {n: v.expand(steps + shift, *v.shape[1:]) for n, v in values.items()}
    if shift:  # each node's step t back at index t
        values = {n: v[depth[n.removesuffix(".v")]:][:steps] for n, v in values.items()}
    return values if record else {sched.output_name: values[sched.output_name]}


def _stateless(op, inp: torch.Tensor) -> torch.Tensor:
    """A stateless op over all steps at once, ``[T, B, ...]`` flattened to ``[T*B, ...]``."""
    out = op(inp.flatten(0, 1))
    return out.reshape(inp.shape[0], inp.shape[1], *out.shape[1:])


def _node(name: str, node, inp: torch.Tensor, steps: int, record: bool
          ) -> dict[str, torch.Tensor]:
    """One node's output (and a population's potentials as ``<name>.v`` when ``record``)."""
    if not hasattr(node, "run"):
        return {name: _stateless(node, inp)}
    out, potential = node.run(inp, record, steps)
    return {name: out, name + ".v": potential} if record else {name: out}
