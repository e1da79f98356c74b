"""Drive a built Lava network over a batch: each neuron population starts from its initial state
exactly when its first input arrives.

All samples go into one RingBuffer source (sample ``b`` occupies steps ``b*L .. b*L+L-1``,
``L = T + output delay``) and the sinks record all of them, so data crosses the process
boundary once, and one compiled runtime serves every sample. A population at delay ``d`` (d
weighted layers from the input) receives its first real input at step ``d`` of a sample; before
that it sees only leftovers of the previous sample and idles with its bias. Populations starting
from rest are Lava ``LIFReset`` processes that clear themselves at step ``d`` (see
:mod:`.build`), so a network without initial potentials runs each sample in one go. With IMP,
each sample runs in segments: up to step ``d``, then ``v = v_init`` of the populations at that
delay (``Var.set``; ``u`` needs no reset: ``du`` clears it every step), and so on. Whatever they
emitted earlier only reaches populations that are reset later, and outputs are read from step
``d_out`` on, so no synapse buffer needs clearing.

Conv layers run on :mod:`.models` (Lava's arithmetic, computed fast); the runtime lives in a
:class:`.session.LavaSession`, which tears it down completely after success, errors, Ctrl-C,
SIGTERM or a dead worker.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from .build import LavaNetwork
from .session import LavaSession

if TYPE_CHECKING:
    from .record.process import Record

PROGRESS_INTERVAL_S = 0.5  # a shown progress bar moves about this often (one run() call each)


def run_batch(net: LavaNetwork, batch: int, steps: int, tag: str,
              progress: bool = False) -> dict[str, np.ndarray]:
    """Run ``batch`` samples of ``steps`` each (already in the source); returns each sink's
    records as ``[B, steps, *Lava shape]``. ``progress``: a bar of steps on stderr that moves
    about every :data:`PROGRESS_INTERVAL_S` also inside a long sample."""
    from lava.magma.core.run_configs import Loihi2SimCfg

    from .models import MODELS

    cfg = Loihi2SimCfg(select_tag=tag, exception_proc_model_map=MODELS[tag])
    net.timing.update(compile_s=0.0, run_s=0.0, reset_s=0.0, read_s=0.0, stop_s=0.0, segments=0)
    bar = tqdm(total=batch * steps, desc="lava", unit="step", disable=not progress,
               file=sys.stderr, leave=False)
    try:
        return _run(net, batch, steps, cfg, bar)
    finally:
        for sink in net.sinks.values():
            sink.release()


def _run(net: LavaNetwork, batch: int, steps: int, cfg, bar) -> dict[str, np.ndarray]:
    from lava.magma.core.run_conditions import RunSteps

    timing = net.timing
    start = time.perf_counter()
    with bar, LavaSession(net.source, cfg) as session:
        timing["compile_s"] = time.perf_counter() - start
        timing["processes"] = len(session.actors())
        chunk = 1 if not bar.disable else steps  # steps per run() call (each costs ~20 ms)
        for sample in range(batch):
            bar.set_postfix_str(f"sample {sample + 1}/{batch}")
            for length, resets in _segments(net, steps):
                while length > 0:
                    n = min(length, chunk)
                    elapsed = _timed(net.source.run, condition=RunSteps(n))
                    timing["run_s"] += elapsed
                    timing["segments"] += 1
                    bar.update(n)
                    length -= n
                    if not bar.disable:
                        chunk = max(1, int(PROGRESS_INTERVAL_S * n / max(elapsed, 1e-6)))
                if resets:
                    timing["reset_s"] += _timed(_reset, net, resets)
        start = time.perf_counter()
        records = {name: _read(sink, batch, steps) for name, sink in net.sinks.items()}
        timing["read_s"] = time.perf_counter() - start
        start = time.perf_counter()
    timing["stop_s"] = time.perf_counter() - start
    return records


def _segments(net: LavaNetwork, steps: int) -> list[tuple[int, list[str]]]:
    """One sample as (steps to run, populations to reset by Var.set after them): runs end at
    every delay level with IMP populations."""
    levels: dict[int, list[str]] = {}
    for name in net.v_init:
        levels.setdefault(net.delay[name], []).append(name)
    plan, done = [], 0
    for stop in sorted(set(levels) | {steps}):
        plan.append((stop - done, levels.get(stop, [])))
        done = stop
    return plan


def _timed(fn: Callable[..., object], *args: Any, **kwargs: Any) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def _reset(net: LavaNetwork, names: list[str]) -> None:
    for name in names:
        net.neurons[name].v.set(net.v_init[name])


def _read(sink: Record, batch: int, steps: int) -> np.ndarray:
    data = sink.values.copy()  # [batch * steps, *shape], written by the worker
    return data.reshape(batch, steps, *data.shape[1:])
