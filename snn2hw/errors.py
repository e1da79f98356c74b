"""The one exception hierarchy of snn2hw; the CLI turns any of these into one line, exit 2."""

from __future__ import annotations


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
