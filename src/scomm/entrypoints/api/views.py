"""Read models for the API and the pages: one query each, filtered in SQL to a scope.

Nothing here decides who may see what; the gate passes in the caller's ``Scope`` and these
queries turn it into their ``WHERE`` clause, so a page of results is always a full page of
records the caller may see, and a count never includes one they may not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from scomm.adapters.authorization import Scope
from scomm.adapters.tables import (
    bookings,
    cases,
    complaint_steps,
    complaints,
    decisions,
    detainers,
    dispositions,
    dossier_facts,
    encounters,
    hotline_reviews,
    immigration_searches,
    jurisdictions,
    lea_responses,
)


def _plain(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


def booking_list(conn: Connection, scope: Scope, fips5: str | None, limit: int,
                 offset: int) -> list[dict[str, Any]]:
    q = (select(bookings.c.booking_id, bookings.c.ori, bookings.c.fips5, bookings.c.booked_at,
                immigration_searches.c.matched)
         .outerjoin(immigration_searches,
                    immigration_searches.c.booking_id == bookings.c.booking_id)
         .where(scope.clause(fips5=bookings.c.fips5)))
    if fips5:
        q = q.where(bookings.c.fips5 == fips5)
    q = q.order_by(bookings.c.booked_at.desc(), bookings.c.booking_id).limit(limit).offset(offset)
    return [_plain(r) for r in conn.execute(q)]


def booking(conn: Connection, booking_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(bookings.c.booking_id, bookings.c.ori, bookings.c.fips5,
                              bookings.c.booked_at, bookings.c.biographic, bookings.c.charges)
                       .where(bookings.c.booking_id == booking_id)).first()
    return None if row is None else _plain(row)


def responses(conn: Connection, booking_id: str) -> list[dict[str, Any]]:
    """The combined response as the jail's store holds it: one entry per kind received."""
    return [_plain(r) for r in conn.execute(
        select(lea_responses.c.kind, lea_responses.c.received_at, lea_responses.c.body)
        .where(lea_responses.c.booking_id == booking_id).order_by(lea_responses.c.received_at,
                                                                  lea_responses.c.kind))]


CASE_COLUMNS = (cases.c.case_id, cases.c.booking_id, cases.c.fips5, cases.c.aor,
                cases.c.state, cases.c.status, cases.c.offense_level, cases.c.opened_at,
                cases.c.due_at, cases.c.recommended_action, cases.c.closed_at)


def case_list(conn: Connection, scope: Scope, aor: str | None, state: str | None, limit: int,
              offset: int) -> list[dict[str, Any]]:
    q = select(*CASE_COLUMNS).where(scope.clause(fips5=cases.c.fips5, aor=cases.c.aor))
    if aor:
        q = q.where(cases.c.aor == aor)
    if state:
        q = q.where(cases.c.state == state)
    q = q.order_by(cases.c.due_at, cases.c.case_id).limit(limit).offset(offset)
    return [_plain(r) for r in conn.execute(q)]


def case(conn: Connection, case_id: str) -> dict[str, Any] | None:
    """A case with its dossier (each fact with its source and time), its decision with the
    rule trace, and its documentation."""
    row = conn.execute(select(*CASE_COLUMNS, cases.c.charges, cases.c.lea_receives)
                       .where(cases.c.case_id == case_id)).first()
    if row is None:
        return None
    out = _plain(row)
    out["dossier"] = [_plain(r) for r in conn.execute(
        select(dossier_facts.c.seq, dossier_facts.c.name, dossier_facts.c.value,
               dossier_facts.c.source, dossier_facts.c.queried_at, dossier_facts.c.confidence)
        .where(dossier_facts.c.case_id == case_id).order_by(dossier_facts.c.seq))]
    d = conn.execute(select(decisions).where(decisions.c.case_id == case_id)).first()
    out["decision"] = None if d is None else {
        k: v for k, v in _plain(d).items() if k != "case_id"}
    e = conn.execute(select(encounters).where(encounters.c.case_id == case_id)).first()
    out["encounter"] = None if e is None else _plain(e)
    p = conn.execute(select(dispositions).where(dispositions.c.case_id == case_id)).first()
    out["disposition"] = None if p is None else _plain(p)
    return out


def detainer_list(conn: Connection, scope: Scope, state: str | None, now: datetime,
                  limit: int, offset: int) -> list[dict[str, Any]]:
    """Detainers with their clocks: time left to the 48-hour limit while the person is held."""
    q = (select(detainers.c.detainer_id, detainers.c.case_id, detainers.c.booking_id,
                detainers.c.fips5, cases.c.aor, detainers.c.state, detainers.c.issued_at,
                detainers.c.operative_upon_conviction, detainers.c.release_at,
                detainers.c.deadline_at, detainers.c.ended_at, detainers.c.held_hours,
                detainers.c.past_limit)
         .join(cases, cases.c.case_id == detainers.c.case_id)
         .where(scope.clause(fips5=detainers.c.fips5, aor=cases.c.aor)))
    if state:
        q = q.where(detainers.c.state == state)
    # running clocks first, nearest limit first; then those not started; the ended last
    q = q.order_by(detainers.c.ended_at.is_not(None), detainers.c.deadline_at.is_(None),
                   detainers.c.deadline_at, detainers.c.detainer_id).limit(limit).offset(offset)
    out = []
    for r in conn.execute(q):
        d = _plain(r)
        running = d["deadline_at"] is not None and d["ended_at"] is None
        d["seconds_left"] = (d["deadline_at"] - now).total_seconds() if running else None
        out.append(d)
    return out


def detainer(conn: Connection, detainer_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(detainers, cases.c.aor).join(
        cases, cases.c.case_id == detainers.c.case_id).where(
        detainers.c.detainer_id == detainer_id)).first()
    return None if row is None else _plain(row)


def hotline_list(conn: Connection, scope: Scope, limit: int, offset: int
                 ) -> list[dict[str, Any]]:
    q = (select(hotline_reviews.c.call_id, hotline_reviews.c.booking_id,
                hotline_reviews.c.case_id, hotline_reviews.c.channel, hotline_reviews.c.claim,
                hotline_reviews.c.received_at, hotline_reviews.c.due_at,
                hotline_reviews.c.state, hotline_reviews.c.outcome, bookings.c.fips5)
         .join(bookings, bookings.c.booking_id == hotline_reviews.c.booking_id)
         .where(scope.clause(fips5=bookings.c.fips5))
         .order_by(hotline_reviews.c.received_at.desc()).limit(limit).offset(offset))
    return [_plain(r) for r in conn.execute(q)]


def complaint_list(conn: Connection, scope: Scope, limit: int, offset: int
                   ) -> list[dict[str, Any]]:
    q = (select(complaints).where(scope.clause(fips5=complaints.c.fips5))
         .order_by(complaints.c.received_at.desc(), complaints.c.complaint_id)
         .limit(limit).offset(offset))
    return [_plain(r) for r in conn.execute(q)]


def complaint(conn: Connection, complaint_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(complaints).where(
        complaints.c.complaint_id == complaint_id)).first()
    if row is None:
        return None
    out = _plain(row)
    out["steps"] = [_plain(r) for r in conn.execute(
        select(complaint_steps.c.seq, complaint_steps.c.step, complaint_steps.c.actor,
               complaint_steps.c.at, complaint_steps.c.note)
        .where(complaint_steps.c.complaint_id == complaint_id).order_by(complaint_steps.c.seq))]
    return out


def jurisdiction_rows(conn: Connection, state: str | None) -> list[dict[str, Any]]:
    q = select(jurisdictions.c.fips5, jurisdictions.c.state_abbr, jurisdictions.c.county_name,
               jurisdictions.c.aor, jurisdictions.c.activation_date, jurisdictions.c.tz)
    if state:
        q = q.where(jurisdictions.c.state_abbr == state.upper())
    return [_plain(r) for r in conn.execute(q.order_by(jurisdictions.c.fips5))]


def counts(conn: Connection, scope: Scope) -> dict[str, int]:
    """Open work in scope, for the pages' headers."""
    open_cases = conn.execute(select(func.count()).select_from(cases).where(
        scope.clause(fips5=cases.c.fips5, aor=cases.c.aor),
        cases.c.closed_at.is_(None))).scalar_one()
    running = conn.execute(select(func.count()).select_from(detainers).join(
        cases, cases.c.case_id == detainers.c.case_id).where(
        scope.clause(fips5=detainers.c.fips5, aor=cases.c.aor),
        detainers.c.deadline_at.is_not(None), detainers.c.ended_at.is_(None))).scalar_one()
    return {"open_cases": int(open_cases), "running_clocks": int(running)}
