"""Errors a module raises: coded, pointing at what is wrong, phrased for a beginner."""

from __future__ import annotations

from typing import Any


class ModuleError(Exception):
    """A problem the user can fix, raised by a module or by parameter validation.

    ``code`` is stable (tests and the UI match on it); ``message`` says what is wrong and what to do.
    ``column``, ``parameter`` and ``port`` name the thing concerned so the canvas can point at it.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        module: str | None = None,
        column: str | None = None,
        parameter: str | None = None,
        port: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.module = module
        self.column = column
        self.parameter = parameter
        self.port = port
        self.hint = hint

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        for key in ("module", "column", "parameter", "port", "hint"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def __str__(self) -> str:
        return self.message


class ParameterError(ModuleError):
    """A parameter value is missing, of the wrong type or out of range."""


class CancelledError(Exception):
    """Raised inside a module when its run was cancelled; not a user error."""
