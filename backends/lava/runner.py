"""Drive a built Lava network over a batch: each neuron population starts from its initial state
exactly when its first input arrives.

All samples go into one RingBuffer source (sample ``b`` occupies steps ``b*L .. b*L+L-1``,
``L = T + output delay``) and the sinks record all of them, so data crosses the process
boundary once. A population at delay ``d`` (d weighted layers from the input) receives its
first real input at step ``d`` of a sample; before that it sees only leftovers of the previous
sample and idles with its bias. Populations starting from rest are Lava ``LIFReset`` processes
that clear themselves at step ``d`` (see :mod:`.build`), so a network without initial potentials
runs each sample in one go. With IMP, each sample runs in segments: up to step ``d``, then
``v = v_init`` of the populations at that delay (``Var.set``; ``u`` needs no reset: ``du``
clears it every step), and so on. Whatever they
emitted earlier only reaches populations that are reset later, and outputs are read from step
``d_out`` on, so no synapse buffer needs clearing. The runtime is stopped in a ``finally``
block: no Lava process outlives an error or Ctrl-C.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from tqdm import tqdm

from .build import LavaNetwork


def run_batch(net: LavaNetwork, batch: int, steps: int, tag: str,
              progress: bool = False) -> dict[str, np.ndarray]:
    """Run ``batch`` samples of ``steps`` each (already in the source); returns each sink's
    records as ``[B, steps, *Lava shape]``. ``progress``: a per-sample bar on stderr."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg

    cfg, timing = Loihi2SimCfg(select_tag=tag), net.timing
    timing.update(first_run_s=0.0, reset_s=0.0, run_s=0.0, segments=0)
    levels = _levels(net)
    try:
        for _ in tqdm(range(batch), desc="lava", unit="sample", disable=not progress,
                      file=sys.stderr, leave=False):
            done = 0
            for start in sorted(levels) + [steps]:
                if start > done:
                    key = "run_s" if timing["segments"] else "first_run_s"
                    condition = RunSteps(num_steps=start - done)
                    timing[key] += _timed(net.source.run, condition=condition, run_cfg=cfg)
                    timing["segments"] += 1
                    done = start
                if start in levels:
                    timing["reset_s"] += _timed(_reset, net, levels[start])
        start_read = time.perf_counter()
        records = {name: _read(sink, batch, steps) for name, sink in net.sinks.items()}
        timing["read_s"] = time.perf_counter() - start_read
    finally:
        net.source.stop()
    return records


def _levels(net: LavaNetwork) -> dict[int, list[str]]:
    """Populations reset by Var.set, grouped by the step at which their first input arrives."""
    levels: dict[int, list[str]] = {}
    for name in net.v_init:
        levels.setdefault(net.delay[name], []).append(name)
    return levels


def _timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def _reset(net: LavaNetwork, names: list[str]) -> None:
    for name in names:
        net.neurons[name].v.set(net.v_init[name])


def _read(sink, batch: int, steps: int) -> np.ndarray:
    data = np.asarray(sink.data.get())  # (*shape, batch * steps)
    return np.moveaxis(data, -1, 0).reshape(batch, steps, *data.shape[:-1])
