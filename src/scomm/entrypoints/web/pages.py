"""The pages: sign-in, the officer's queue, a case with its dossier, trace and documentation
form, the detainer board with live clocks, the jurisdiction table, the oversight dashboards,
the public statistics and the complaint form.

Server-rendered with Jinja2, no front-end build: each page is the API's own gate and read
models rendered as HTML, so a page can show nothing the API would not, every read on a page is
audited as the API's is, and forms post to handlers that send the same commands. The session
cookie is ``SameSite=Strict`` and ``HttpOnly``, so another site can neither read it nor make a
signed-in browser post a form.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from scomm.adapters import accounts
from scomm.adapters.authorization import Actor, targets
from scomm.adapters.tables import encounters
from scomm.agencies import field_office
from scomm.domain.errors import InvalidInput
from scomm.domain.messages import ComplaintCategory
from scomm.entrypoints.api import cases as case_routes
from scomm.entrypoints.api import public, views
from scomm.entrypoints.api.errors import Unauthenticated
from scomm.entrypoints.api.schemas import ComplaintIn, Decide, Disposition, Encounter
from scomm.entrypoints.api.service import COOKIE, Gate, Service, ServiceDep, context, current_actor
from scomm.oversight import compliance, costs, county_monitor, statistics, transparency
from scomm.sim.jurisdictions import ice_table_path

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)


def mount(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def _actor(request: Request, svc: Service) -> Actor | None:
    try:
        return current_actor(request, svc)
    except Unauthenticated:
        return None


def _page(request: Request, name: str, actor: Actor | None, http_status: int = 200,
          **ctx: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"actor": actor, **ctx},
                                      status_code=http_status)


def error_page(request: Request, status: int, code: str, message: str,
               field: str | None) -> HTMLResponse:
    return _page(request, "error.html", getattr(request.state, "actor", None), status,
                 status=status, code=code, message=message, field=field)


def _signin() -> RedirectResponse:
    return RedirectResponse("/signin", status_code=303)


def _gate(request: Request, svc: Service) -> Gate | None:
    """The signed-in user's gate, or None: the page then sends them to sign in."""
    actor = _actor(request, svc)
    return None if actor is None else Gate(svc, actor, request)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request) -> HTMLResponse:
    return _page(request, "signin.html", None)


@router.post("/signin")
def signin(request: Request, svc: ServiceDep, username: Annotated[str, Form()],
           password: Annotated[str, Form()]) -> Response:
    source = context(request)["source"]
    with svc.uow(f"anonymous@{source}") as uow:
        try:
            token = accounts.sign_in(uow, username, password, source)
        except accounts.SignInRefused as exc:
            uow.commit()
            return _page(request, "signin.html", None, 401, error=str(exc))
        uow.commit()
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
    return response


@router.post("/signout")
def signout(request: Request, svc: ServiceDep) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        with svc.uow("session") as uow:
            accounts.sign_out(uow, token)
            uow.commit()
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, svc: ServiceDep) -> Response:
    actor = _actor(request, svc)
    if actor is None:
        return _signin()
    scope = svc.authorizer.scope(actor, "case", "read")
    counts = None
    if not scope.empty:
        with svc.system.engine.connect() as conn:
            counts = views.counts(conn, scope)
    return _page(request, "home.html", actor, counts=counts)


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, svc: ServiceDep) -> Response:
    gate = _gate(request, svc)
    if gate is None:
        return _signin()
    actor = gate.actor
    scope = gate.require("case", "read")
    queues = [(aor, case_routes.queue(aor, gate)) for aor in sorted(scope.aors)]
    recent = gate.listing("case", lambda uow, s: views.case_list(uow.conn, s, None, None, 50, 0),
                          lambda r: str(r["case_id"]))
    return _page(request, "queue.html", actor, queues=queues, cases=recent)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: str, request: Request, svc: ServiceDep,
              flash: str | None = None) -> Response:
    gate = _gate(request, svc)
    if gate is None:
        return _signin()
    actor = gate.actor
    c = case_routes.get_case(case_id, gate)
    domains = targets(fips5=c["fips5"], aor=c["aor"])
    action = (c["decision"] or {}).get("action", "")
    return _page(request, "case.html", actor, c=c, flash=flash,
                 can_decide=svc.authorizer.allowed(actor, "case", "decide", domains),
                 can_document=svc.authorizer.allowed(actor, "case", "document", domains),
                 dispositions=field_office.dispositions_for(action))


def _back(case_id: str, flash: str) -> RedirectResponse:
    return RedirectResponse(f"/cases/{case_id}?flash={flash}", status_code=303)


@router.post("/cases/{case_id}/decide")
def decide(case_id: str, request: Request, svc: ServiceDep,
           override_action: Annotated[str, Form()] = "",
           override_reason: Annotated[str, Form()] = "") -> Response:
    gate = _gate(request, svc)
    if gate is None:
        return _signin()
    case_routes.decide(case_id, Decide(override_action=override_action or None,
                                       override_reason=override_reason or None), gate)
    return _back(case_id, "Decision recorded.")


@router.post("/cases/{case_id}/document")
def document(case_id: str, request: Request, svc: ServiceDep,
             disposition: Annotated[str, Form()], narrative: Annotated[str, Form()],
             method: Annotated[str, Form()] = "", encountered_at: Annotated[str, Form()] = "",
             location: Annotated[str, Form()] = "",
             subject_contacted: Annotated[str, Form()] = "") -> Response:
    """The documentation form: the encounter (if not yet recorded), then the disposition."""
    gate = _gate(request, svc)
    if gate is None:
        return _signin()
    with svc.system.engine.connect() as conn:
        has_encounter = conn.execute(select(encounters.c.case_id).where(
            encounters.c.case_id == case_id)).first() is not None
    if not has_encounter:
        try:
            at = dt.datetime.fromisoformat(encountered_at).replace(tzinfo=dt.UTC)
        except ValueError:
            raise InvalidInput("encountered_at", "a date and time is required") from None
        case_routes.encounter(case_id, Encounter.model_validate({
            "method": method, "encountered_at": at, "location": location,
            "subject_contacted": subject_contacted == "yes"}), gate)
    case_routes.disposition(case_id, Disposition.model_validate(
        {"disposition": disposition, "narrative": narrative}), gate)
    return _back(case_id, "Documentation recorded.")


@router.get("/detainers", response_class=HTMLResponse)
def detainer_board(request: Request, svc: ServiceDep) -> Response:
    gate = _gate(request, svc)
    if gate is None:
        return _signin()
    now = svc.system.clock.now()
    rows = gate.listing(
        "detainer", lambda uow, s: views.detainer_list(uow.conn, s, None, now, 200, 0),
        lambda r: str(r["detainer_id"]))
    return _page(request, "detainers.html", gate.actor, rows=rows)


@router.get("/jurisdictions", response_class=HTMLResponse)
def jurisdiction_page(request: Request, svc: ServiceDep, state: str | None = None,
                      on: dt.date | None = None) -> HTMLResponse:
    day = on or svc.system.clock.now().date()
    rows = public.jurisdiction_table(svc, state or None, day)
    return _page(request, "jurisdictions.html", _actor(request, svc), rows=rows, on=day,
                 state=state, activated=sum(r.activated for r in rows))


@lru_cache(maxsize=1)
def _published_monitor() -> tuple[dict[str, int], str]:
    """The monitor over ICE's real county table: static data, screened once per process."""
    summaries, flags = county_monitor.screen_counties(transparency.published(ice_table_path()))
    first = summaries[0]
    return ({"naive": first.naive, "corrected": first.additive},
            county_monitor.funnel_svg(flags, first))


@router.get("/oversight", response_class=HTMLResponse)
def oversight_page(request: Request, svc: ServiceDep) -> Response:
    gate = _gate(request, svc)
    if gate is None:
        return _signin()
    actor = gate.actor
    gate.require("report", "read")
    as_of = svc.system.clock.now()
    with svc.system.engine.connect() as conn:
        offices = compliance.by_office(compliance.compliance(conn, as_of))
        ledger = costs.ledger(conn, costs.load_per_diem(None))
    complaints = gate.listing("complaint", lambda uow, s: views.complaint_list(
        uow.conn, s, 50, 0), lambda r: str(r["complaint_id"])) if not svc.authorizer.scope(
        actor, "complaint", "read").empty else []
    monitor, monitor_funnel = _published_monitor()
    return _page(request, "oversight.html", actor, as_of=as_of.strftime("%Y-%m-%d %H:%M UTC"),
                 offices=offices, outside=compliance.outside_limits(offices),
                 funnel=compliance.funnel_svg(offices), costs=ledger, complaints=complaints,
                 monitor=monitor, monitor_funnel=monitor_funnel)


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(request: Request, svc: ServiceDep) -> HTMLResponse:
    rows = public.published_statistics(svc)
    with svc.system.engine.connect() as conn:
        totals = statistics.totals(statistics.county_table(conn))
    columns = list(rows[0]) if rows else []
    return _page(request, "statistics.html", _actor(request, svc), rows=rows, totals=totals,
                 columns=columns, min_cell=public.MIN_CELL)


CATEGORIES: tuple[str, ...] = ComplaintCategory.__args__  # type: ignore[attr-defined]


@router.get("/complaints/new", response_class=HTMLResponse)
def complaint_form(request: Request, svc: ServiceDep) -> HTMLResponse:
    return _page(request, "complaint_form.html", _actor(request, svc), categories=CATEGORIES)


@router.post("/complaints/new", response_class=HTMLResponse)
def complaint_file(request: Request, svc: ServiceDep, category: Annotated[str, Form()],
                   allegation: Annotated[str, Form()],
                   complainant_name: Annotated[str, Form()],
                   complainant_contact: Annotated[str, Form()],
                   fips5: Annotated[str, Form()] = "") -> HTMLResponse:
    body = ComplaintIn.model_validate({
        "channel": "web", "category": category, "allegation": allegation,
        "fips5": fips5 or None, "complainant_name": complainant_name,
        "complainant_contact": complainant_contact})
    receipt = public.file_complaint(body, request, svc)
    return _page(request, "complaint_receipt.html", _actor(request, svc),
                 complaint_id=receipt.complaint_id)
