"""Domain errors and the one place that turns them into JSON.

Services raise these; they never import FastAPI. Every error body has a machine-readable
``type``, a human ``detail`` and, where one field is at fault, ``field``. Clients never see
a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from enroll_common.errors import PolicyError
from server.db import classify_error

log = logging.getLogger("field_enroll.errors")


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    status_code = 400
    type = "bad_request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.headers = headers
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "detail": self.detail}
        if self.field is not None:
            out["field"] = self.field
        out.update(self.extra)
        return out


class NotAuthenticated(DomainError):
    status_code = 401
    type = "not_authenticated"


class Forbidden(DomainError):
    status_code = 403
    type = "forbidden"


class NotFound(DomainError):
    status_code = 404
    type = "not_found"


class Conflict(DomainError):
    status_code = 409
    type = "conflict"


class PayloadTooLarge(DomainError):
    status_code = 413
    type = "payload_too_large"


class RuleViolation(DomainError):
    status_code = 422
    type = "rule_violation"


class TooManyRequests(DomainError):
    status_code = 429
    type = "too_many_requests"


class FieldErrorBody(BaseModel):
    field: str
    message: str


class ValidationErrorBody(BaseModel):
    """The 422 body for invalid input, as the OpenAPI document describes it."""

    type: str
    detail: str
    field: str | None = None
    errors: list[FieldErrorBody] = []
    request_id: str | None = None


def document_validation_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document describe the 422 body this handler really sends."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    body = ValidationErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(body.pop("$defs", {}))
    components["HTTPValidationError"] = body
    components.pop("ValidationError", None)
    return schema


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


_UNAVAILABLE = {
    "busy": (
        "database_busy",
        "the database is busy or unavailable; nothing was saved, retry shortly",
    ),
    "read_only": (
        "database_read_only",
        "the database is read-only; nothing was saved, retry later",
    ),
    "disk_full": (
        "database_full",
        "the database's disk is full; nothing was saved, retry later",
    ),
}


def install_handlers(app: FastAPI) -> None:
    """Register the handlers; called once by ``create_app``."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        body = exc.body()
        body["request_id"] = _request_id(request)
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(PolicyError)
    async def _policy(request: Request, exc: PolicyError) -> JSONResponse:
        # The shared calculator's refusal: same field and allowed values the client shows.
        return JSONResponse(
            {
                "type": "policy_error",
                "detail": str(exc),
                "field": exc.field,
                "allowed": exc.allowed,
                "request_id": _request_id(request),
            },
            status_code=422,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_of(e.get("loc", ())), "message": e.get("msg", "invalid")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        return JSONResponse(
            {
                "type": "validation_error",
                "detail": f"{first['field']}: {first['message']}",
                "field": first["field"],
                "errors": errors,
                "request_id": _request_id(request),
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            {"type": kind, "detail": str(exc.detail), "request_id": _request_id(request)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # Numbers beyond what the database stores (ids of 2**70, say) are bad input, not a
        # server fault; the transaction is rolled back with the request's session.
        return JSONResponse(
            {
                "type": "value_out_of_range",
                "detail": "a value in the request is out of range for this field",
                "request_id": _request_id(request),
            },
            status_code=422,
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _busy(request: Request, exc: Exception) -> JSONResponse:
        # A lock held past the busy timeout, a deadlock or serialisation failure, no free
        # connection in the pool, the database briefly unreachable, read-only or full:
        # nothing was committed, and a retry will likely work once the cause is gone.
        cause = classify_error(exc)
        log.warning("database unavailable (%s): %s", cause, exc)
        kind, detail = _UNAVAILABLE.get(cause, _UNAVAILABLE["busy"])
        return JSONResponse(
            {"type": kind, "detail": detail, "request_id": _request_id(request)},
            status_code=503,
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(InternalError)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL refusing writes (a standby, default_transaction_read_only).
        if classify_error(exc) == "read_only":
            return await _busy(request, exc)
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            {
                "type": "internal_error",
                "detail": "Internal server error; quote the request id when reporting it.",
                "request_id": _request_id(request),
            },
            status_code=500,
        )
