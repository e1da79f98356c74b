"""Atomic output files: write to a temporary file beside the target, rename on success, remove
on failure, so a failed command never leaves a half-written file.

- Write errors (full disk, read-only folder, a file where a folder should be, a name that is
  too long) become one :class:`~snn2hw.errors.BadInputError` naming the target.
- SIGTERM during the write removes the temporary file like SIGINT does (it exits with 143).
- A temporary file left by SIGKILL carries the writer's process id; the next write in that
  folder removes it once that process is gone.
- The output gets the permissions of the user's umask (``open()``'s), or keeps those of the
  file it replaces.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from snn2hw.errors import BadInputError, one_line

_MARK = ".snn2hw-"
_TEMP = re.compile(r"^\..*\.snn2hw-(\d+)-[0-9a-f]{8}")
_NAME_KEPT = 64  # characters of the target's name kept in the temporary name


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; it becomes ``path`` if the block succeeds.

    ``suffix`` matters to writers that choose a format by extension (``.png``, ``.npz``)."""
    path = Path(path)
    # A device or FIFO (-o /dev/null) is written into, never replaced; a symbolic link keeps
    # pointing at the new file.
    special = _is_special(path)
    try:
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
        folder = Path(tempfile.gettempdir()) if special else target.parent
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(folder)
        tmp = _create_temp(folder, target, suffix, keep_mode=not special)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        with _sigterm_as_exit():
            yield tmp
            if special:
                with open(tmp, "rb") as source, open(path, "wb") as sink:
                    shutil.copyfileobj(source, sink)
            else:
                os.replace(tmp, target)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    except RuntimeError as exc:
        # torch.save reports a failed write (a full disk) as a RuntimeError of its stream
        # writer; anything else is a bug and stays a RuntimeError.
        if "write" not in str(exc).lower():
            raise
        raise _write_error(path, exc) from exc
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO[bytes]]:
    """A new binary file that becomes ``path`` if the block succeeds (``mode`` "wb" or
    "w+b", for writers that read back what they wrote)."""
    with atomic_path(path, Path(path).suffix or ".tmp") as tmp, open(tmp, mode) as handle:
        yield handle


def write_bytes(path: str | os.PathLike, data: bytes | memoryview) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path) as handle:
        handle.write(data)


def remove_stale_temps(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files in ``folder`` whose writer process no longer exists (left by
    SIGKILL or a power cut); return them."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(os.fspath(folder)))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP.match(entry.name)
        if not match or _alive(int(match.group(1))):
            continue
        try:
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass  # gone already, or not ours to remove: it is ignored either way
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _is_special(path: Path) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _create_temp(folder: Path, path: Path, suffix: str, keep_mode: bool = True) -> Path:
    """A new empty file in ``folder`` for ``path``, created like ``open(path, "w")`` would
    (mode 0o666 less the umask; with ``keep_mode``, the mode of ``path`` when it exists)."""
    suffix = suffix[-16:]
    try:
        keep = stat.S_IMODE(os.stat(path).st_mode)  # raises first if the name is too long
    except FileNotFoundError:
        keep = None
    keep = keep if keep_mode else None
    for _ in range(100):
        name = f".{path.name[:_NAME_KEPT]}{_MARK}{os.getpid()}-{secrets.token_hex(4)}{suffix}"
        tmp = folder / name
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        try:
            if keep is not None:
                os.chmod(fd, keep)
        finally:
            os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path.parent))


def _write_error(path: Path, exc: BaseException) -> BadInputError:
    reason = None
    if isinstance(exc, OSError):
        if exc.errno == errno.EEXIST and not path.parent.is_dir():
            reason = f"{exc.filename or path.parent} is not a folder"
        elif exc.errno:
            reason = os.strerror(exc.errno)
    if reason is None:
        reason = one_line(exc) or type(exc).__name__
        if "No space left" in reason or "errno = 28" in reason:
            reason = os.strerror(errno.ENOSPC)
    return BadInputError(f"{path}: cannot write ({reason})")


@contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """While the block runs, SIGTERM raises SystemExit (so ``finally`` blocks remove the
    temporary file) instead of killing the process on the spot. Only where Python lets us
    (the main thread) and only when no one else handles SIGTERM."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
    except ValueError:
        previous = None
    if previous is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)
