"""One error body for the whole API: ``{"error": {"code", "message", "field"/"node", "details"}}``.

DRF's exceptions (validation, auth, not found, throttling) and our ModuleError both end up here, so a
client never sees a traceback or a different shape per view.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from modules.sdk import ModuleError


class ApiError(exceptions.APIException):
    """Raise from a view or service to answer with a coded 4xx."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status_code: int = status.HTTP_400_BAD_REQUEST,
        field: str | None = None,
        node: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message, code)
        self.status_code = status_code
        self.error_code = code
        self.message = message
        self.field = field
        self.node = node
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.error_code, "message": self.message}
        if self.field:
            error["field"] = self.field
        if self.node:
            error["node"] = self.node
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


def _first_validation_problem(detail: Any, path: str = "") -> tuple[str, str]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            return _first_validation_problem(value, f"{path}.{key}" if path else str(key))
    if isinstance(detail, list) and detail:
        return _first_validation_problem(detail[0], path)
    return path, str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApiError):
        return Response(exc.body(), status=exc.status_code)
    if isinstance(exc, ModuleError):
        body = {"error": {"field": exc.parameter or exc.column, **exc.as_dict()}}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_validation_problem(exc.detail)
        error = {
            "code": "invalid",
            "message": f"{field}: {message}" if field and field != "non_field_errors" else message,
            "details": exc.detail,
        }
        if field and field != "non_field_errors":
            error["field"] = field
        response.data = {"error": error}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "error": {"code": codes if isinstance(codes, str) else "error", "message": str(exc.detail)}
        }
    return response
