"""The life of one Lava runtime: started, watched, and always torn down completely.

Lava 0.10 runs every process model, its runtime service and a shared-memory manager as forked
OS processes, and its own ``Runtime.stop`` waits for answers from them: after Ctrl-C (SIGINT to
the whole process group, which also hits the workers) or a dead worker that wait never ends, and
SIGTERM left every worker and ``/dev/shm`` segment behind. Here the parent owns the teardown:

- workers forked while the runtime starts ignore SIGINT and SIGTERM and are SIGKILLed by the
  kernel if the parent dies (``PR_SET_PDEATHSIG``), so only the parent reacts to signals;
- while the runtime lives, SIGTERM raises ``SystemExit(143)`` in the parent (when no one else
  handles it), and a monitor thread interrupts the parent with :class:`WorkerDiedError` as soon
  as a worker exits (Lava would wait on it forever);
- teardown never talks to the workers: it kills them, shuts the shared-memory manager down,
  unlinks whatever segment is left and unregisters them from Python's resource tracker (else it
  reports "leaked shared_memory objects" at exit). The tracker is started before the workers
  fork so that they all share it.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from snn2hw.errors import Snn2hwError

_PR_SET_PDEATHSIG = 1
_POLL_S = 0.05
_forking = threading.local()
# what signal.signal takes and returns (typeshed spells it only privately, as signal._HANDLER)
_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class WorkerDiedError(Snn2hwError):
    """A process of the Lava runtime exited while the run needed it."""


def _shield_child() -> None:
    """In a worker forked while a runtime starts: leave signals to the parent, die with it."""
    if not getattr(_forking, "active", False):
        return
    _forking.active = False
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != _forking.parent:  # the parent died before prctl took effect
        os._exit(1)


os.register_at_fork(after_in_child=_shield_child)


class LavaSession:
    """Compile ``root`` (any process of the network) and start its runtime on entry; on exit
    tear everything down, also after errors, Ctrl-C, SIGTERM or a dead worker."""

    def __init__(self, root, run_cfg) -> None:
        self.root, self.run_cfg = root, run_cfg
        self._stop = threading.Event()
        self._monitor: threading.Thread | None = None
        self._handlers: dict[int, _Handler] = {}
        self.dead: list[str] = []

    def __enter__(self) -> LavaSession:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()  # one tracker, shared by every forked worker
        self._install_handlers()
        try:
            _forking.active, _forking.parent = True, os.getpid()
            try:
                self.root.create_runtime(run_cfg=self.run_cfg)
            finally:
                _forking.active = False
            self._start_monitor()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def runtime(self):
        return self.root.runtime

    def actors(self) -> list:
        """The runtime's OS processes (workers, runtime service, shared-memory manager)."""
        runtime = self.runtime
        infra = getattr(runtime, "_messaging_infrastructure", None) if runtime else None
        if infra is None:
            return []
        manager = getattr(infra.smm, "_manager", None) if infra.smm else None
        server = getattr(manager, "_process", None)
        return list(infra.actors) + ([server] if server is not None else [])

    def close(self) -> None:
        """Tear the runtime down (idempotent): kill, join, unlink, restore signal handlers."""
        self._stop.set()
        if self._monitor is not None and self._monitor is not threading.current_thread():
            self._monitor.join()
        try:
            if self.runtime is not None:
                _teardown(self.runtime, self.actors())
        finally:
            self._restore_handlers()

    def _install_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # Python lets only the main thread handle signals: no SIGTERM/monitor wakeup
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            self._handlers[signal.SIGTERM] = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        self._handlers[signal.SIGUSR1] = signal.signal(signal.SIGUSR1, self._on_worker_death)

    def _restore_handlers(self) -> None:
        for signum, previous in self._handlers.items():
            signal.signal(signum, previous)
        self._handlers.clear()

    def _start_monitor(self) -> None:
        if signal.SIGUSR1 not in self._handlers:
            return
        main, actors = threading.main_thread().ident, self.actors()
        self._monitor = threading.Thread(target=self._watch, args=(actors, main),
                                         name="lava-monitor", daemon=True)
        self._monitor.start()

    def _watch(self, actors: list, main: int) -> None:
        while not self._stop.wait(_POLL_S):
            dead = [a for a in actors if a.exitcode is not None]
            if dead:
                self.dead = [f"pid {a.pid} (exit code {a.exitcode})" for a in dead]
                signal.pthread_kill(main, signal.SIGUSR1)
                return

    def _on_worker_death(self, signum: int, frame: FrameType | None) -> None:
        if self._stop.is_set():
            return
        raise WorkerDiedError(f"a Lava runtime process died during the run: "
                              f"{', '.join(self.dead) or 'unknown'}")


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _teardown(runtime, actors: list) -> None:
    """Kill the runtime's processes and free its shared memory without waiting on any of them
    (Lava's own ``stop`` waits for answers from processes that may be gone)."""
    from multiprocessing import resource_tracker

    runtime._is_started = runtime._is_running = False  # Runtime.__del__ would call stop()
    for actor in actors:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            actor.kill()
    for actor in actors:  # Lava's SystemProcess.join takes no timeout: the base class's does
        with contextlib.suppress(OSError, ValueError, AttributeError, AssertionError):
            multiprocessing.Process.join(actor, 5)
    with contextlib.suppress(Exception):
        runtime.join()  # the parent's port threads (local: releases their semaphores)
    infra = getattr(runtime, "_messaging_infrastructure", None)
    smm = getattr(infra, "smm", None)
    for handle in list(getattr(smm, "_shared_memory_handles", [])):
        with contextlib.suppress(Exception):
            handle.close()
        try:
            handle.unlink()  # also unregisters it from the resource tracker
        except FileNotFoundError:
            with contextlib.suppress(Exception):
                resource_tracker.unregister(handle._name, "shared_memory")
        except Exception:  # noqa: BLE001 (teardown must go on)
            pass
    if smm is not None:
        smm._shared_memory_handles = []
        with contextlib.suppress(Exception):
            smm.shutdown()  # its server is gone: only marks the manager shut down
    with contextlib.suppress(Exception):
        runtime._watchdog_manager.stop()
