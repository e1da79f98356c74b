"""The one exception hierarchy of snn2hw; the CLI turns any of these into one line, exit 2."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


class Snn2hwError(Exception):
    """Base class for every error snn2hw raises on purpose."""


class BadInputError(Snn2hwError):
    """An input file or argument is missing, unreadable or malformed."""


class UnsupportedError(Snn2hwError):
    """A module, node or feature that a frontend or backend cannot express."""


class ConstraintError(Snn2hwError):
    """A graph violates a backend's hardware or format limits (all problems listed)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class BackendUnavailableError(Snn2hwError):
    """A backend's optional dependency is missing or fails to import."""


class Snn2hwWarning(UserWarning):
    """Non-fatal things a user should know (e.g. metadata other tools will ignore)."""


def one_line(text: object) -> str:
    """``text`` on one line (messages from other libraries, e.g. ONNX's checker, span many)."""
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


@contextmanager
def about(source: str | os.PathLike | None) -> Iterator[None]:
    """Name ``source`` (the file being processed) in any :class:`Snn2hwError` raised in the
    block whose message does not name it already, and turn an operating-system error (an
    unreadable disk, EIO) into a :class:`BadInputError` naming it."""
    name = str(source) if source is not None else ""
    try:
        yield
    except Snn2hwError as exc:
        if name and name not in str(exc):
            exc.args = (f"{name}: {exc}", *exc.args[1:])
        raise
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else one_line(exc)
        raise BadInputError(f"{exc.filename or name}: {reason}") from exc
