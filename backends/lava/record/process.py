"""A Lava sink process that records into memory shared with the parent (no Var reads).

Lava's RingBuffer sink keeps its records in a ``data`` Var: reading it back through the runtime
took 25 s for the 21 populations of a SEW-ResNet-18 sample (Lava moves Var values in small
messages), and its buffer was allocated in the parent and again in the worker. A
:class:`Record` writes each step into an anonymous shared memory map created before the workers
fork, which the parent reads directly after the run (no ``/dev/shm`` file; the memory goes with
the last mapping). Lava's compiler looks for a process's models in the process's folder, which
is why this one has its own (imports are absolute for the same reason).
"""

from __future__ import annotations

import itertools
import mmap

import numpy as np
from lava.magma.core.process.ports.ports import InPort
from lava.magma.core.process.process import AbstractProcess

RECORDS: dict[int, np.ndarray] = {}  # key -> shared [steps, *shape] array (inherited by fork)
_KEYS = itertools.count()


class Record(AbstractProcess):
    """A sink that writes the value received at time step ``t`` (from 1) to row ``t - 1`` of
    :attr:`values`, a ``[steps, *shape]`` float64 array shared with the worker."""

    def __init__(self, *, shape: tuple[int, ...], steps: int) -> None:
        key = next(_KEYS)
        super().__init__(shape=shape, steps=steps, key=key)
        self.a_in = InPort(shape=shape)
        size = int(np.prod(shape)) * steps * 8
        buffer = mmap.mmap(-1, max(size, 1), flags=mmap.MAP_SHARED)
        self.values = np.frombuffer(buffer, dtype=np.float64, count=size // 8).reshape(
            steps, *shape)
        RECORDS[key] = self.values
        self.key = key

    def release(self) -> None:
        """Forget the shared array here (the memory goes with its last mapping)."""
        RECORDS.pop(self.key, None)
