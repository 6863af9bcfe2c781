"""Errors that reach the user as one clear line, never as a traceback."""

from __future__ import annotations


class DemarcError(Exception):
    """A problem the user can fix; `exit_code` follows the contract (2 = usage or input)."""

    exit_code: int = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(DemarcError):
    """Bad arguments or input."""


class ConfigError(DemarcError):
    """A missing or malformed setting (environment variable, token, path)."""

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]
