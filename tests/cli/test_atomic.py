"""snn2hw.atomic: no half-written or temporary file after a failure, a signal or a full disk;
outputs get the umask's permissions."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import snn2hw.atomic
from snn2hw.atomic import atomic_path, remove_stale_temps, write_bytes
from snn2hw.errors import BadInputError
from snn2hw.ir.io import write_graph

from .helpers import cli, tiny_graph

HOLD = textwrap.dedent("""
    import signal, sys, time
    # the disposition a command line starts with (an ignored SIGTERM would be inherited from
    # whatever started the test run, and then there is nothing to clean up after)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from snn2hw.atomic import atomic_path
    with atomic_path(sys.argv[1]) as tmp:
        tmp.write_bytes(b"half")
        print("writing", flush=True)
        time.sleep(60)
""")


def _hold_a_write(target: Path) -> subprocess.Popen:
    """A process stopped in the middle of an atomic write of ``target``."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(target)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing", proc.stderr.read()
    assert len(list(target.parent.iterdir())) == 1  # the temporary file
    return proc


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 128 + signal.SIGTERM),
                                       (signal.SIGINT, -signal.SIGINT)])
def test_a_signal_during_a_write_removes_the_temporary_file(tmp_path, sig, code):
    proc = _hold_a_write(tmp_path / "out.nir")
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == code, stderr
    assert list(tmp_path.iterdir()) == []


def test_a_temporary_file_left_by_sigkill_goes_with_the_next_write(tmp_path):
    proc = _hold_a_write(tmp_path / "out.nir")
    proc.kill()
    proc.wait(timeout=30)
    (left,) = tmp_path.iterdir()
    write_bytes(tmp_path / "other.bin", b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.bin"], left


def test_temporary_files_of_live_writers_are_kept(tmp_path):
    with atomic_path(tmp_path / "a.npy", ".npy") as tmp:
        tmp.write_bytes(b"x")
        assert remove_stale_temps(tmp_path) == [] and tmp.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["a.npy"]


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_get_the_umask_permissions(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_bytes(tmp_path / "f.bin", b"x")
        write_graph(tiny_graph(), tmp_path / "g.nir")
    finally:
        os.umask(old)
    assert (tmp_path / "f.bin").stat().st_mode & 0o777 == mode
    assert (tmp_path / "g.nir").stat().st_mode & 0o777 == mode


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and target.stat().st_mode & 0o777 == 0o640


def test_a_failed_block_leaves_nothing(tmp_path):
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")
    with pytest.raises(ValueError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"new")
            raise ValueError("writer bug")
    assert target.read_bytes() == b"old" and list(tmp_path.iterdir()) == [target]


def test_write_errors_name_the_target(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BadInputError, match=r"file/out\.bin: cannot write \("):
        write_bytes(blocker / "out.bin", b"x")
    with pytest.raises(BadInputError, match="cannot write"):
        write_bytes(tmp_path / ("n" * 300), b"x")
    assert list(tmp_path.iterdir()) == [blocker]


def test_a_full_disk_is_one_error_and_no_file(tmp_path, monkeypatch):
    real_open = open

    def full_disk_open(path, mode="r", *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        if "w" in mode:
            def write(data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            handle.write = write
        return handle

    monkeypatch.setattr(snn2hw.atomic, "open", full_disk_open, raising=False)
    with pytest.raises(BadInputError, match="g.nir: cannot write .No space left on device"):
        write_graph(tiny_graph(), tmp_path / "g.nir")
    assert list(tmp_path.iterdir()) == []


def test_a_long_name_gets_a_short_temporary_name(tmp_path):
    target = tmp_path / ("x" * 250)
    with atomic_path(target, ".npy") as tmp:
        assert len(tmp.name) < 100 and tmp.name.endswith(".npy")
        tmp.write_bytes(b"ok")
    assert target.read_bytes() == b"ok"


@pytest.fixture
def full_disk(tmp_path):
    """A 64 KiB tmpfs (root only; skipped where mounting is not allowed)."""
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_export_to_a_really_full_disk_does_not_crash(full_disk, tmp_path):
    """HDF5 writing straight to a full disk crashed the interpreter (SIGSEGV) and left its
    temporary file; the graph must fail in one line and leave nothing."""
    big = tiny_graph(300)
    big.nodes["fc"].weight = np.random.default_rng(0).normal(size=(300, 300))  # 700 KiB
    write_graph(big, tmp_path / "big.nir")
    result = cli("quantize", tmp_path / "big.nir", "-o", full_disk / "q.nir")
    assert result.exit_code == 2, result.output
    assert "q.nir: cannot write (No space left on device)" in result.output
    code = ("import sys; from snn2hw.ir.io import read_graph, write_graph; "
            "write_graph(read_graph(sys.argv[1]), sys.argv[2])")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "big.nir"),
                           str(full_disk / "g.nir")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "No space left on device" in proc.stderr, proc.stderr
    assert list(full_disk.iterdir()) == []


def _device(folder: Path, name: str, minor: int) -> Path:
    """A character device like /dev/null (minor 3) or /dev/full (7) in ``folder`` (root)."""
    import stat

    path = folder / name
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        path.open("rb").close()
    except OSError:
        pytest.skip("cannot make a device node here")
    return path


def test_a_device_is_written_into_not_replaced(tmp_path):
    """`run -o /dev/null` replaced /dev/null with a regular file; it must write into it."""
    import stat

    null, full = _device(tmp_path, "null", 3), _device(tmp_path, "full", 7)
    write_bytes(null, b"data")
    with pytest.raises(BadInputError, match="full: cannot write .No space left on device"):
        write_bytes(full, b"data")
    assert all(stat.S_ISCHR(p.stat().st_mode) for p in (null, full))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full", "null"]


def test_a_fifo_gets_the_bytes(tmp_path):
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_bytes(fifo, b"through the pipe")
    reader.join(timeout=10)
    assert got == [b"through the pipe"] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_symbolic_link_keeps_pointing_at_the_new_file(tmp_path):
    real, link = tmp_path / "real.bin", tmp_path / "link.bin"
    real.write_bytes(b"old")
    link.symlink_to(real)
    write_bytes(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.bin", "real.bin"]
