"""``snn2hw run --backend lava`` stops cleanly: Ctrl-C (SIGINT to the whole process group),
SIGTERM (to the command or its group) and a killed worker end the run within seconds, and leave
no process of its group and none of the ``/dev/shm`` segments it had mapped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from snn2hw.ir.io import write_graph

from . import graphs

pytestmark = pytest.mark.lava

SNN2HW = [sys.executable, "-c", "from snn2hw.cli import main; main()"]
STEPS = 20_000  # far longer than any test waits: the run is always cut short


def _group(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry))
    return pids


def _segments(pids: list[int]) -> set[str]:
    """``/dev/shm`` files mapped by ``pids``."""
    found = set()
    for pid in pids:
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            continue
        found |= {line.split()[-1] for line in maps.splitlines() if "/dev/shm/" in line}
    return found


@pytest.fixture(scope="module")
def run_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stop")
    write_graph(graphs.mlp(), folder / "mlp.nir")
    np.save(folder / "x.npy", np.random.default_rng(0).random((STEPS, 1, 64)))
    return folder


def _start(folder: Path) -> tuple[subprocess.Popen, set[str]]:
    """The command in its own process group, once its Lava runtime is running; the shared
    memory segments its processes map by then."""
    proc = subprocess.Popen(
        [*SNN2HW, "run", folder / "mlp.nir", "-b", "lava", "--input", folder / "x.npy"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(_group(proc.pid)) < 6:  # parent, tracker, shm manager, service, workers
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the Lava runtime did not start"
        time.sleep(0.1)
    time.sleep(1.0)  # into the run
    segments = _segments(_group(proc.pid))
    assert segments, "the runtime should map shared memory"
    return proc, segments


def _finish(proc: subprocess.Popen, segments: set[str]) -> tuple[int, str]:
    """Exit code and stderr; asserts the group and the segments are gone."""
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the run did not stop within 30 s")
    deadline = time.monotonic() + 10
    while _group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)  # the resource tracker exits when its last writer has
    left = _group(proc.pid)
    if left:
        os.killpg(proc.pid, signal.SIGKILL)
    assert not left, f"processes left behind: {left}"
    assert not [s for s in segments if os.path.exists(s)], "shared memory left in /dev/shm"
    assert "leaked shared_memory" not in err and "Traceback" not in err, err
    return proc.returncode, err


def test_a_finished_run_leaves_nothing_behind(run_files, tmp_path):
    np.save(tmp_path / "x.npy", np.load(run_files / "x.npy")[:3])
    proc = subprocess.Popen(
        [*SNN2HW, "run", run_files / "mlp.nir", "-b", "lava", "--input", tmp_path / "x.npy",
         "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    code, err = _finish(proc, set())
    assert code == 0 and "Warning" not in err, err


def test_ctrl_c_to_the_process_group(run_files):
    proc, segments = _start(run_files)
    os.killpg(proc.pid, signal.SIGINT)
    code, err = _finish(proc, segments)
    assert code == 130 and "aborted" in err


@pytest.mark.parametrize("to_group", [False, True])
def test_sigterm(run_files, to_group):
    proc, segments = _start(run_files)
    (os.killpg if to_group else os.kill)(proc.pid, signal.SIGTERM)
    code, _ = _finish(proc, segments)
    assert code == 128 + signal.SIGTERM


def test_a_dead_worker_ends_the_run_with_one_line(run_files):
    proc, segments = _start(run_files)
    workers = [p for p in _group(proc.pid) if p != proc.pid
               and b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()]
    os.kill(max(workers), signal.SIGKILL)  # the last forked: a process model
    code, err = _finish(proc, segments)
    errors = [line for line in err.splitlines() if line.startswith("error")]
    assert code == 2 and len(errors) == 1 and "died" in errors[0], err
