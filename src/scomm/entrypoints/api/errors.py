"""Structured errors: every refusal names its kind, the field or thing at fault, and why.

A client (a jail's booking system, schemathesis) reads ``error.field`` to point at what to
fix; the same body is declared for every status the routes can answer, so the OpenAPI
document tells the whole truth about the replies.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from scomm.adapters.accounts import SignInRefused
from scomm.domain.booking import error_path
from scomm.domain.errors import Forbidden, IllegalTransition, InvalidInput


class ErrorDetail(BaseModel):
    code: str
    field: str | None = None
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class NotFound(Exception):
    """No such record, or none the caller's jurisdictions reach: the two look the same, so a
    refusal does not tell a user that a record exists elsewhere."""

    def __init__(self, what: str, ref: str) -> None:
        super().__init__(f"no {what} {ref!r} in your jurisdictions")
        self.what = what


class Unauthenticated(Exception):
    """No valid session: sign in first."""


class Repeat(Exception):
    """The command's id was already applied; nothing changed."""


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in (
        (401, "not signed in, or the session ended"),
        (403, "the role may not do this anywhere"),
        (404, "no such record in the caller's jurisdictions"),
        (409, "the record is not in a state that allows this, or it was already done"),
        (422, "the input is invalid; ``error.field`` names where"))}


def _body(request: Request, status: int, code: str, message: str, field: str | None = None,
          headers: dict[str, str] | None = None) -> Response:
    """JSON for the API; for a page, the same error as a page (templates/error.html)."""
    if not request.url.path.startswith("/api") and request.url.path != "/openapi.json":
        from scomm.entrypoints.web.pages import error_page

        return error_page(request, status, code, message, field)
    return JSONResponse(status_code=status, headers=headers, content=ErrorBody(
        error=ErrorDetail(code=code, field=field, message=message)).model_dump())


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0]
        loc = tuple(first.get("loc", ()))
        where = error_path(str(loc[0]), loc[1:]) if loc else "request"
        return _body(request, 422, "invalid_input", str(first.get("msg", "invalid")), where)

    @app.exception_handler(InvalidInput)
    async def _input(request: Request, exc: InvalidInput) -> Response:
        return _body(request, 422, "invalid_input", exc.problem, exc.where)

    @app.exception_handler(IllegalTransition)
    async def _transition(request: Request, exc: IllegalTransition) -> Response:
        return _body(request, 409, "illegal_transition", str(exc))

    @app.exception_handler(Repeat)
    async def _repeat(request: Request, exc: Repeat) -> Response:
        return _body(request, 409, "repeat", str(exc))

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return _body(request, 403, "forbidden", str(exc))

    @app.exception_handler(NotFound)
    async def _missing(request: Request, exc: NotFound) -> Response:
        return _body(request, 404, "not_found", str(exc), exc.what)

    @app.exception_handler(Unauthenticated)
    async def _anonymous(request: Request, exc: Unauthenticated) -> Response:
        return _body(request, 401, "unauthenticated", str(exc),
                     headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(SignInRefused)
    async def _refused(request: Request, exc: SignInRefused) -> Response:
        return _body(request, 401, "sign_in_refused", str(exc))
