"""One JSON shape for every error the API answers, with a stable code and a human message.

``{"code": "insufficient_stock", "message": "reserve 12000 g refused: …", "request_id": "…"}``
(plus ``details`` for malformed requests: one entry per offending field). Clients branch on
``code``, which never changes meaning; ``message`` is for people and may be reworded.

Refusals by the domain keep the ``code`` of their ``DomainError`` subclass; the HTTP status
follows from the code. Anything unexpected answers 500 with code ``internal`` and no detail
(the log line, tied by ``request_id``, has the traceback).
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
)
from litestar.types import ExceptionHandlersMap

from domain.errors import DomainError
from infra.api.pages.directory import directory_of
from infra.api.pages.refusals import Names, french_message, wants_french
from infra.logs import get_logger

log = get_logger("cocagne.api")

DETAILS_MAX = 20  # Field errors listed per answer; more only repeats the same mistake.

STATUS_BY_CODE: dict[str, int] = {
    "not_found": HTTP_404_NOT_FOUND,
    "forbidden": HTTP_403_FORBIDDEN,
    "invalid_request": HTTP_400_BAD_REQUEST,
    "invalid": HTTP_422_UNPROCESSABLE_ENTITY,
    "quantity_mismatch": HTTP_422_UNPROCESSABLE_ENTITY,
    "invalid_state": HTTP_409_CONFLICT,
    "insufficient_stock": HTTP_409_CONFLICT,
    "already_exists": HTTP_409_CONFLICT,
    "command_id_reused": HTTP_409_CONFLICT,
    "conflict": HTTP_409_CONFLICT,
    "recalled": HTTP_409_CONFLICT,
    "occurred_at_before_latest_act": HTTP_409_CONFLICT,
    "lot_held": HTTP_409_CONFLICT,
    "bulk_not_sorted": HTTP_409_CONFLICT,
    "use_by_date_passed": HTTP_409_CONFLICT,
    "best_before_grace_exceeded": HTTP_409_CONFLICT,
    "remaining_life_too_short": HTTP_409_CONFLICT,
    "temperature_required": HTTP_422_UNPROCESSABLE_ENTITY,
    "temperature_out_of_range": HTTP_422_UNPROCESSABLE_ENTITY,
}
"""HTTP status of each domain refusal code; a code not listed (a newer module's) answers
422: the request was understood and refused on its merits."""

STATUS_BY_HTTP_CODE: dict[int, str] = {
    400: "invalid_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    503: "unavailable",
}


class FieldError(msgspec.Struct, frozen=True):
    """One offending field of a malformed request."""

    field: str
    message: str


class ErrorBody(msgspec.Struct, frozen=True, kw_only=True):
    """Every error answer."""

    code: str
    """Stable machine-readable reason: ``invalid_request``, ``unauthenticated``,
    ``forbidden``, ``not_found``, ``insufficient_stock``, ``invalid_state``…"""
    message: str
    """What was refused and why, for people."""
    request_id: str = ""
    details: list[FieldError] = msgspec.field(default_factory=list)
    reason: str = ""
    """Finer than ``code`` where the refusal names it (``distribute_more_than_held``)."""
    facts: dict[str, int | str] = msgspec.field(default_factory=dict)
    """The numbers the message quotes, in base units (``quantity_g``, ``held_g``…)."""


class ApiError(Exception):
    """An error raised by the API layer itself (not the domain)."""

    def __init__(self, status_code: int, code: str, message: str,
                 details: list[FieldError] | None = None, *, reason: str = "",
                 facts: dict[str, int | str] | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details or []
        self.reason = reason
        self.facts = facts or {}


def error_response(request: Request[Any, Any, Any], status_code: int, code: str,
                   message: str, details: list[FieldError] | None = None,
                   headers: dict[str, str] | None = None, *, reason: str = "",
                   facts: dict[str, int | str] | None = None) -> Response[ErrorBody]:
    """The error answer, carrying the request id.

    Requests that matched no route never pass the app's middleware: they get their id here.
    A client whose ``Accept-Language`` puts French first gets the message in French, with
    the same numbers (``infra.api.pages.refusals``): the work pages ask for it.
    """
    if wants_french(request.headers.get("accept-language", "")):
        names = _names(request) if any(name.endswith("_id") for name in facts or {}) else None
        message = french_message(code, message, reason, facts,
                                 [(item.field, item.message) for item in details or []], names)
    state = request.scope.setdefault("state", {})
    request_id = str(state.get("request_id", ""))
    all_headers = dict(headers or {})
    if not request_id:
        request_id = state["request_id"] = uuid.uuid4().hex
        all_headers["X-Request-ID"] = request_id
    return Response(ErrorBody(code=code, message=message, request_id=request_id,
                              details=(details or [])[:DETAILS_MAX], reason=reason,
                              facts=dict(facts or {})),
                    status_code=status_code, headers=all_headers)


def _names(request: Request[Any, Any, Any]) -> Names | None:
    """Names of members, sites and households for a French refusal (the pages' directory),
    or None when the app has no ledger to read them from."""
    services = getattr(request.app.state, "services", None)
    if services is None:
        return None
    directory = directory_of(services)

    def name(party_id: str) -> str:
        try:
            return directory.name(party_id)
        except ValueError:  # Not an id after all: show it as it came.
            return party_id

    return name


def domain_error_status(error: DomainError) -> int:
    """The HTTP status of a domain refusal."""
    return STATUS_BY_CODE.get(error.code, HTTP_422_UNPROCESSABLE_ENTITY)


def _on_domain_error(request: Request[Any, Any, Any], error: DomainError) -> Response[ErrorBody]:
    return error_response(request, domain_error_status(error), error.code, error.message,
                          reason=error.reason, facts=error.facts)


def _on_api_error(request: Request[Any, Any, Any], error: ApiError) -> Response[ErrorBody]:
    return error_response(request, error.status_code, error.code, error.message, error.details,
                          reason=error.reason, facts=error.facts)


def _on_validation(request: Request[Any, Any, Any],
                   error: ValidationException) -> Response[ErrorBody]:
    details: list[FieldError] = []
    if isinstance(error.extra, list):
        for item in error.extra[:DETAILS_MAX]:
            if isinstance(item, dict):
                details.append(FieldError(field=str(item.get("key") or item.get("source", "")),
                                          message=str(item.get("message", ""))))
    message = "the request is malformed"
    if details:
        message = f"the request is malformed: {details[0].field}: {details[0].message}"
    return error_response(request, HTTP_400_BAD_REQUEST, "invalid_request", message, details)


def _on_http_exception(request: Request[Any, Any, Any],
                       error: HTTPException) -> Response[ErrorBody]:
    status = error.status_code
    if status >= HTTP_500_INTERNAL_SERVER_ERROR:
        return _on_unexpected(request, error)
    code = STATUS_BY_HTTP_CODE.get(status, "invalid_request")
    # Litestar's own headers are kept: a 405 names the methods the route allows (Allow).
    headers = dict(error.headers or {})
    if isinstance(error, NotAuthorizedException):
        headers["WWW-Authenticate"] = 'Bearer realm="cocagne"'
    message = error.detail or code.replace("_", " ")
    if isinstance(error, PermissionDeniedException | NotAuthorizedException):
        message = error.detail
    return error_response(request, status, code, message, headers=headers)


def _on_unexpected(request: Request[Any, Any, Any], error: Exception) -> Response[ErrorBody]:
    log.error("unexpected error", path=request.url.path, error_type=type(error).__name__,
              exc_info=error)
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal",
                          "the server failed to answer; the request id ties this answer "
                          "to the server's log")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: _on_domain_error,
    ApiError: _on_api_error,
    ValidationException: _on_validation,
    HTTPException: _on_http_exception,
    Exception: _on_unexpected,
}


def error_spec(description: str) -> ResponseSpec:
    """An OpenAPI response entry with the error shape."""
    return ResponseSpec(data_container=ErrorBody, description=description,
                        generate_examples=False)


COMMON_ERRORS: dict[int, ResponseSpec] = {
    400: error_spec("Malformed request (code invalid_request)"),
    401: error_spec("Missing or unknown bearer token (code unauthenticated)"),
    403: error_spec("The caller's roles do not allow this (code forbidden)"),
    422: error_spec("A value refused on its merits (code invalid), such as a control "
                    "character in a text (reason text_control_character)"),
}
