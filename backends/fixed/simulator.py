"""Layer-major execution of an integer program: the integer twin of the reference simulator.

Stateless integer ops see ``[T*B, ...]`` at once; neuron populations run their own time loop
over ``[T, B, ...]``. A node may delay its output by whole steps (Lava's Dense/Conv send last
step's accumulation), zeros first. With ``lava_timing``, inputs of a sum that arrive with
different delays are aligned (the shorter path waits), the program runs ``depth`` extra steps on
zero input and the output is shifted back by its ``depth`` so that step t is at index t.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from snn2hw.backends.reference.topology import Schedule

from snn2hw.errors import UnsupportedError


@dataclass
class Program:
    """What :func:`execute` runs: per node an integer op (callable on ``[N, ...]``) or a neuron
    population (``.run`` on ``[T, B, ...]``), the output delays in steps, the schedule."""

    schedule: Schedule
    nodes: dict[str, object]
    delays: dict[str, int] = field(default_factory=dict)
    lava_timing: bool = False

    def depths(self) -> dict[str, int]:
        """Steps of delay accumulated from the input to each node's output."""
        sched, depth = self.schedule, {}
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


def _delayed(y: torch.Tensor, steps: int) -> torch.Tensor:
    if steps == 0:
        return y
    pad = torch.zeros((min(steps, y.shape[0]), *y.shape[1:]), dtype=y.dtype, device=y.device)
    return torch.cat([pad, y[: y.shape[0] - steps]])


def _sum(name: str, parts: list[torch.Tensor]) -> torch.Tensor:
    """Fan-in sums; spikes (bool) count as integers there."""
    if not parts:
        raise UnsupportedError(f"node '{name}' has no input edge")
    if len(parts) == 1:
        return parts[0]
    total = parts[0].to(torch.int64)
    for part in parts[1:]:
        total = total + part.to(torch.int64)
    return total


def execute(program: Program, x: torch.Tensor, record: bool = False) -> dict[str, torch.Tensor]:
    """Run int64 ``x [T, B, ...]``; the output node's value (and every node's, ``<name>.v`` the
    potentials, when ``record``)."""
    sched = program.schedule
    if sched.has_cycles:
        raise UnsupportedError("the fixed backend runs feed-forward and residual graphs only")
    depth = program.depths() if program.lava_timing else {}
    steps_in, shift = x.shape[0], depth.get(sched.output_name, 0)
    if shift:
        x = torch.cat([x, torch.zeros((shift, *x.shape[1:]), dtype=x.dtype, device=x.device)])
    values: dict[str, torch.Tensor] = {}
    steps, batch = x.shape[:2]
    for name in sched.order:
        node = program.nodes[name]
        if name == sched.input_name:
            out = node(x.flatten(0, 1)).reshape(x.shape)
        else:
            preds = sched.forward_inputs[name]
            latest = max((depth.get(p, 0) for p in preds), default=0)
            inp = _sum(name, [_delayed(values[p], latest - depth.get(p, 0)) for p in preds])
            if hasattr(node, "run"):
                out, potential = node.run(inp, record)
                if record:
                    values[name + ".v"] = potential
            else:
                out = node(inp.flatten(0, 1))
                out = out.reshape(steps, batch, *out.shape[1:])
        values[name] = _delayed(out, program.delays.get(name, 0))
    if shift:  # each node's step t back at index t
        values = {n: v[depth[n.removesuffix(".v")]:][:steps_in] for n, v in values.items()}
    return values if record else {sched.output_name: values[sched.output_name]}
