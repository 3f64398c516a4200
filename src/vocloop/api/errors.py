"""One error shape for the whole API, and the handlers that turn every failure into it.

Every answer that is not a success is ``{"detail": "<a sentence>"}``; when
particular fields are at fault (422), ``"errors"`` maps each field to what is
wrong with it, e.g. ``{"detail": "…", "errors": {"customer.email": "…"}}``.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from vocloop.cases.services import CaseActionRefused
from vocloop.lib.busy import busy_page, database_busy
from vocloop.listening.services import FeedbackInvalid

logger = logging.getLogger("vocloop.api")

# Where a field's name comes from in ninja's error locations: the source and the
# handler's parameter name are not part of what the client sent. Handlers name
# their body parameter `payload` and their query schema `filters`.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
_PARAMETER_NAMES = {"payload", "filters"}


class ErrorOut(Schema):
    detail: str
    errors: dict[str, str] | None = None


class ApiError(Exception):
    """A refusal with its HTTP status, raised by handlers and helpers of this package."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: dict[str, str] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def invalid(field: str, message: str) -> ApiError:
    """A 422 naming the one field at fault."""
    return ApiError(422, message, {field: message})


def error_body(detail: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors} if errors else {"detail": detail}


def _field_name(loc: Any) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] in _PARAMETER_NAMES:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "missing" and _field_name(error.get("loc", ())) == "body":
        return "Send a JSON object as the request body."
    message = str(error.get("msg", "Invalid value."))
    # Pydantic prefixes the sentences our own validators write.
    return message.removeprefix("Value error, ")


def field_errors(errors: list[dict[str, Any]]) -> dict[str, str]:
    result: dict[str, str] = {}
    for error in errors:
        name = _field_name(error.get("loc", ()))
        message = _message(error)
        result[name] = f"{result[name]} {message}" if name in result else message
    return result


def _parse_failure_detail(exc: HttpError) -> str:
    cause = exc.__cause__
    if isinstance(cause, json.JSONDecodeError):
        return (
            f"The request body is not valid JSON: {cause.msg} "
            f"(line {cause.lineno}, column {cause.colno})."
        )
    if isinstance(cause, UnicodeDecodeError):
        return "The request body is not valid UTF-8 text."
    return str(exc)


def _respond(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    detail: str,
    errors: dict[str, str] | None = None,
) -> HttpResponse:
    return api.create_response(request, error_body(detail, errors), status=status)


def _on_api_error(request: HttpRequest, exc: ApiError, api: NinjaAPI) -> HttpResponse:
    response = _respond(api, request, exc.status, exc.detail, exc.errors)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def _on_validation_error(request: HttpRequest, exc: ValidationError, api: NinjaAPI) -> HttpResponse:
    errors = field_errors(exc.errors)
    detail = "The request is not valid: " + " ".join(
        f"{k}: {v}" if v.rstrip().endswith((".", "?", "!")) else f"{k}: {v}."
        for k, v in errors.items()
    )
    return _respond(api, request, 422, detail, errors)


def _on_authentication_error(
    request: HttpRequest, exc: AuthenticationError, api: NinjaAPI
) -> HttpResponse:
    detail = exc.message
    if detail == "Unauthorized":  # ninja's own, when no authenticator answered
        detail = "Send an API token in the header  Authorization: Bearer <token>."
    response = _respond(api, request, 401, detail)
    response["WWW-Authenticate"] = 'Bearer realm="vocloop"'
    return response


def _on_http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    detail = _parse_failure_detail(exc) if exc.status_code == 400 else str(exc)
    return _respond(api, request, exc.status_code, detail)


def _on_feedback_invalid(request: HttpRequest, exc: FeedbackInvalid, api: NinjaAPI) -> HttpResponse:
    return _respond(api, request, 422, f"The feedback was not accepted: {exc}", exc.errors)


def _on_case_action_refused(
    request: HttpRequest, exc: CaseActionRefused, api: NinjaAPI
) -> HttpResponse:
    return _respond(api, request, 409, str(exc))


def _on_permission_denied(
    request: HttpRequest, exc: PermissionDenied, api: NinjaAPI
) -> HttpResponse:
    return _respond(api, request, 403, str(exc) or "This token may not do that.")


def _on_not_found(request: HttpRequest, exc: Http404, api: NinjaAPI) -> HttpResponse:
    return _respond(api, request, 404, "Not found.")


def _on_too_big(request: HttpRequest, exc: RequestDataTooBig, api: NinjaAPI) -> HttpResponse:
    return _respond(api, request, 413, "The request body is too large.")


def _on_database_error(request: HttpRequest, exc: DatabaseError, api: NinjaAPI) -> HttpResponse:
    # Busy or away for a moment (SQLite's lock, a PostgreSQL restart): 503 with Retry-After,
    # and the request's transaction undone, its Idempotency-Key with it.
    if database_busy(exc):
        return busy_page(request, exc)
    return _on_unexpected(request, exc, api)


def _on_unexpected(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    # The client learns only that it was our fault; the traceback goes to the log.
    logger.exception("Unhandled error in API request %s %s", request.method, request.path)
    return _respond(api, request, 500, "Internal server error. The error has been logged.")


def install_error_handlers(api: NinjaAPI) -> None:
    """Register a handler for every kind of failure; the most specific class wins."""
    handlers: list[tuple[type[Exception], Any]] = [
        (ApiError, _on_api_error),
        (ValidationError, _on_validation_error),
        (AuthenticationError, _on_authentication_error),
        (HttpError, _on_http_error),
        (FeedbackInvalid, _on_feedback_invalid),
        (CaseActionRefused, _on_case_action_refused),
        (PermissionDenied, _on_permission_denied),
        (Http404, _on_not_found),
        (RequestDataTooBig, _on_too_big),
        (DatabaseError, _on_database_error),
        (Exception, _on_unexpected),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, partial(handler, api=api))
