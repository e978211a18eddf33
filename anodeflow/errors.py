"""One exception hierarchy for the whole package.

The CLI prints ``error: <message>`` and exits with ``exit_code`` (2 for bad input, 1 for a
failed run or store problem).
"""

from __future__ import annotations

import math


class AnodeflowError(Exception):
    """Base class of every error anodeflow raises on purpose."""

    exit_code = 1


class InputError(AnodeflowError, ValueError):
    """A user-supplied value is invalid; the message names it and what would be valid."""

    exit_code = 2


class EngineError(AnodeflowError, RuntimeError):
    """An external engine (LAMMPS, CP2K, a scheduler) failed.

    ``engine_message`` carries the engine's own last error text, ``log_path`` its log file.
    """

    def __init__(self, message: str, engine_message: str = "", log_path: str | None = None):
        super().__init__(message)
        self.engine_message = engine_message
        self.log_path = log_path


class StoreError(AnodeflowError):
    """The results store cannot be opened, written or queried."""


def require_positive(**values: float) -> None:
    """Raise :class:`InputError` naming the first of ``values`` that is not a finite number > 0."""
    for name, value in values.items():
        if not value > 0:
            raise InputError(f"{name} must be > 0, got {value}")
        if not math.isfinite(value):
            raise InputError(f"{name} must be a finite number > 0, got {value}")
