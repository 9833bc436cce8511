"""The FastAPI application: the API routers, the web pages, and the structured errors.

``create_app`` takes a ready ``Service`` so that tests, the load benchmark and ``scomm serve``
build the very same application over their own store; the background worker is started by
whoever owns the process (``scomm serve``, or a test fixture), not by the app.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from scomm.entrypoints.api import bookings, cases, detainers, errors, oversight, public, session
from scomm.entrypoints.api.service import Service
from scomm.entrypoints.web import pages

DESCRIPTION = """Secure Communities as a service, on synthetic people.

Jails and state bureaus submit bookings and read the combined response; specialists and
officers work their queues; oversight reads the reports. Every route but the public ones
(statistics, jurisdictions, complaint intake) needs a session: `POST /api/session`, then
`Authorization: Bearer <token>`. Every read or write of a person's record is in the
tamper-evident audit log. Errors are `{"error": {"code", "field", "message"}}`."""


def create_app(service: Service) -> FastAPI:
    app = FastAPI(title="scomm", version="0.1.0", description=DESCRIPTION)
    app.state.service = service
    errors.install(app)
    for module in (session, bookings, cases, detainers, oversight, public):
        app.include_router(module.router)
    app.include_router(pages.router)
    pages.mount(app)

    @app.middleware("http")
    async def request_id(request: Request,
                         call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        rid = request.headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        request.state.request_id = rid
        response = await call_next(request)
        response.headers["x-request-id"] = rid
        return response

    return app
