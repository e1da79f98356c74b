"""Evaluation across processes under ``torchrun --nproc-per-node N`` (torch.distributed).

Each rank runs a contiguous shard of the samples (the batch axis of ``[T, B, ...]``); the
shards' outputs and records are gathered in rank order, so predictions and accuracy are those
of one process, and per-sample statistics (an energy report's firing rates, operations and
energies) are averaged weighted by shard size. Only rank 0 writes files and prints.
Without torchrun (``WORLD_SIZE`` unset or 1) every function is a no-op.

Collectives use the gloo backend on the host (the values gathered are small numpy arrays and
reports, whatever device the backend computes on).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import numpy as np

from snn2hw.backend import RunResult


def world_size() -> int:
    """Processes started by torchrun (1 without it)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    """This process's rank (0 without torchrun)."""
    return int(os.environ.get("RANK", "0"))


def is_writer() -> bool:
    """Whether this process prints and writes output files (rank 0)."""
    return rank() == 0


def _group():
    """torch.distributed, its gloo process group initialised on first use."""
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("gloo")
    return dist


def shard_bounds(samples: int, size: int, index: int) -> tuple[int, int]:
    """The contiguous slice ``[start, stop)`` of ``samples`` that rank ``index`` of ``size``
    runs (sizes differ by at most one, earlier ranks take the extra samples)."""
    base, extra = divmod(samples, size)
    start = index * base + min(index, extra)
    return start, start + base + (index < extra)


def shard(inputs: np.ndarray, labels: np.ndarray | None
          ) -> tuple[np.ndarray, np.ndarray | None]:
    """This rank's samples of time-major ``inputs [T, B, ...]`` and of ``labels [B]``."""
    if world_size() == 1:
        return inputs, labels
    start, stop = shard_bounds(inputs.shape[1], world_size(), rank())
    return inputs[:, start:stop], None if labels is None else labels[start:stop]


def rank_slice(samples: int) -> slice:
    """This rank's samples of a batch of ``samples`` (all of them without torchrun)."""
    return slice(*shard_bounds(samples, world_size(), rank()))


def total(count: int) -> int:
    """``count`` summed over the ranks (closing the process group); ``count`` alone without
    torchrun."""
    if world_size() == 1:
        return count
    import torch

    dist = _group()
    value = torch.tensor([count], dtype=torch.int64)
    dist.all_reduce(value)
    dist.destroy_process_group()
    return int(value.item())


def gather(result: RunResult, samples: int) -> RunResult:
    """Every rank's ``result`` (``samples`` of this rank) as one: outputs and records joined
    on the batch axis in rank order, per-sample statistics averaged weighted by samples.
    Every rank gets the whole result; the process group is closed afterwards."""
    if world_size() == 1:
        return result
    dist = _group()
    parts: list[Any] = [None] * world_size()
    dist.all_gather_object(parts, (samples, result.output, result.records, result.stats))
    dist.destroy_process_group()
    counts = [p[0] for p in parts]
    records = {key: np.concatenate([p[2][key] for p in parts], axis=1) for key in parts[0][2]}
    stats = {key: _mean([p[3][key] for p in parts], counts) for key in parts[0][3]}
    return RunResult(output=np.concatenate([p[1] for p in parts], axis=1), records=records,
                     stats=stats)


def _mean(values: list[Any], weights: list[int]) -> Any:
    """The sample-weighted mean of per-sample statistics: floats averaged, dataclasses and
    lists field by field; anything else (counts of the graph, names) taken from rank 0."""
    first = values[0]
    if all(type(v) is float for v in values) and any(v != first for v in values):
        return sum(w * v for w, v in zip(weights, values)) / sum(weights)
    if dataclasses.is_dataclass(first) and not isinstance(first, type):
        fields = {f.name: _mean([getattr(v, f.name) for v in values], weights)
                  for f in dataclasses.fields(first) if f.init}
        return dataclasses.replace(first, **fields)
    if isinstance(first, list) and all(len(v) == len(first) for v in values):
        return [_mean(list(items), weights) for items in zip(*values)]
    if isinstance(first, dict):
        return {key: _mean([v[key] for v in values], weights) for key in first}
    return first
