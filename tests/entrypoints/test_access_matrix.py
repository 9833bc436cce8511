"""Every role × scope × endpoint: what each may do, and that nothing crosses jurisdictions.

The expectation below is written from the roles' jobs (DESIGN "Who uses it", invariant 9),
not read from the policy file, so the test checks the rules rather than restating them. The
tiny run's records are in Dona Ana County NM (35013), field office ELP; each jurisdictional
role is tried with a grant there ("own") and elsewhere ("other"). A refused access answers
401/403/404, changes nothing, and is audited as ``denied``; a list never holds a record
outside the caller's scope.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from served import USERS, Served
from sqlalchemy import func, select

from scomm.adapters.tables import audit_log, bookings, complaint_steps, hotline_reviews

NATIONAL = ("lesc", "analyst", "crcl", "admin")
JURISDICTIONAL = ("jail", "sib", "officer", "supervisor")


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    allowed: frozenset[str]
    body: Callable[[Served], Any] | None = None


def _booking(served: Served) -> dict[str, Any]:
    with served.engine.connect() as conn:
        row = conn.execute(select(bookings).where(
            bookings.c.booking_id == served.ids["plain_booking"])).one()
    return {"booking_id": f"M-{uuid.uuid4().hex[:10]}", "ori": row.ori, "fips5": "35013",
            "booked_at": served.clock.now().isoformat(), "biographic": row.biographic,
            "charges": row.charges, "prints": row.prints}


def _e(name: str, method: str, path: str, roles: str,
       body: Callable[[Served], Any] | None = None) -> Endpoint:
    return Endpoint(name, method, path, frozenset(roles.split()), body)


ENDPOINTS = [
    _e("read booking", "GET", "/api/bookings/{booking}", "jail sib analyst"),
    _e("read response", "GET", "/api/bookings/{booking}/response", "jail sib analyst"),
    _e("submit booking", "POST", "/api/bookings", "jail sib", _booking),
    _e("read case", "GET", "/api/cases/{case}", "officer supervisor lesc analyst"),
    _e("read queue", "GET", "/api/queue/ELP", "officer supervisor lesc analyst"),
    _e("decide case", "POST", "/api/cases/{case}/decision", "officer supervisor",
       lambda s: {}),
    _e("record encounter", "POST", "/api/cases/{case}/encounter", "officer supervisor",
       lambda s: {"method": "telephone", "encountered_at": s.clock.now().isoformat(),
                  "location": "county jail", "subject_contacted": True}),
    _e("record disposition", "POST", "/api/cases/{case}/disposition", "officer supervisor",
       lambda s: {"disposition": "detainer_issued", "narrative": "matrix test narrative"}),
    _e("report release", "POST", "/api/detainers/{detainer}/release", "jail",
       lambda s: {"release_at": s.clock.now().isoformat(), "facility_tz": "America/Denver"}),
    _e("cancel detainer", "POST", "/api/detainers/{detainer}/cancel", "officer supervisor",
       lambda s: {"reason": "matrix test"}),
    _e("hotline intake", "POST", "/api/hotline", "lesc",
       lambda s: {"call_id": f"H-{uuid.uuid4().hex[:8]}", "booking_id": s.ids["booking"],
                  "channel": "hotline", "claim": "citizen"}),
    _e("read complaint", "GET", "/api/complaints/{complaint}", "analyst crcl"),
    _e("read complainant", "GET", "/api/complaints/{complaint}/complainant", "crcl"),
    _e("advance complaint", "POST", "/api/complaints/{complaint}/steps", "crcl",
       lambda s: {"step": "triage", "note": "matrix triage", "priority": "normal"}),
    _e("compliance report", "GET", "/api/oversight/compliance", "analyst crcl"),
    _e("cost ledger", "GET", "/api/oversight/costs", "analyst crcl"),
    _e("discretion report", "GET", "/api/oversight/discretion", "analyst crcl"),
    _e("verify audit", "GET", "/api/audit/verify", "analyst admin"),
    _e("create account", "POST", "/api/accounts", "admin",
       lambda s: {"username": f"u{uuid.uuid4().hex[:8]}", "display_name": "New User",
                  "password": "a long enough secret", "grants": [
                      {"role": "officer", "domain": "aor:ELP"}]}),
    _e("set grants", "PUT", "/api/accounts/officer_other/grants", "admin",
       lambda s: {"grants": [{"role": "officer", "domain": "aor:PHO"}]}),
]

#: list endpoint -> (roles that see the tiny run's record in their own scope, its id key)
LISTS = {
    "/api/bookings": ("jail sib analyst", "booking", "booking_id"),
    "/api/cases": ("officer supervisor lesc analyst", "case", "case_id"),
    "/api/detainers": ("jail officer supervisor analyst", "detainer", "detainer_id"),
    "/api/complaints": ("analyst crcl", "complaint", "complaint_id"),
}


def _role(user: str) -> str:
    return user.split("_", maxsplit=1)[0]


def _denied(served: Served) -> int:
    with served.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.action == "denied")).scalar_one())


def _state(served: Served) -> tuple[int, int, int]:
    with served.engine.connect() as conn:
        return tuple(int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                     for t in (bookings, hotline_reviews, complaint_steps))  # type: ignore[return-value]


@pytest.fixture(scope="module")
def complaint(served: Served) -> str:
    r = served.client.post("/api/complaints", json={
        "category": "profiling", "allegation": "stopped for no reason at all", "fips5": "35013",
        "complainant_name": "A. Person", "complainant_contact": "PO Box 1"})
    assert r.status_code == 202, r.text
    served.worker.drain()
    return str(r.json()["complaint_id"])


def test_every_role_scope_and_endpoint(served: Served, complaint: str) -> None:
    ids = {**served.ids, "complaint": complaint}
    outcomes: dict[str, dict[str, int]] = {}
    for user in USERS:
        role, own = _role(user), not user.endswith("_other")
        for ep in ENDPOINTS:
            path = ep.path.format(**ids)
            before_denied, before_state = _denied(served), _state(served)
            body = ep.body(served) if ep.body else None
            r = served.client.request(ep.method, path, json=body,
                                      headers=served.headers(user))
            outcomes.setdefault(ep.name, {})[user] = r.status_code
            expect = role in ep.allowed and own
            if expect:
                assert r.status_code not in (401, 403, 404), (user, ep.name, r.text)
            else:
                assert r.status_code in (403, 404), (user, ep.name, r.status_code, r.text)
                assert r.json()["error"]["code"] in ("forbidden", "not_found")
                assert _denied(served) > before_denied, (user, ep.name, "denial not audited")
                served.worker.drain()
                assert _state(served) == before_state, (user, ep.name, "refusal changed state")
    allowed = sum(s not in (401, 403, 404) for row in outcomes.values() for s in row.values())
    print(f"\naccess matrix: {len(USERS)} accounts x {len(ENDPOINTS)} endpoints = "
          f"{len(USERS) * len(ENDPOINTS)} requests, {allowed} allowed, "
          f"{len(USERS) * len(ENDPOINTS) - allowed} refused")


def test_lists_are_filtered_to_the_scope(served: Served, complaint: str) -> None:
    ids = {**served.ids, "complaint": complaint}
    for user in USERS:
        role, own = _role(user), not user.endswith("_other")
        for path, (roles, key, column) in LISTS.items():
            r = served.client.get(path, params={"limit": 500}, headers=served.headers(user))
            if role not in roles.split() and r.status_code == 403:
                continue
            assert r.status_code == 200, (user, path, r.text)
            seen = {row[column] for row in r.json()}
            fips = {row.get("fips5") for row in r.json()} - {None}
            if role in roles.split() and own:
                assert ids[key] in seen, (user, path)
            else:
                assert ids[key] not in seen, (user, path, "cross-jurisdiction read")
            if user == "jail_other":
                assert fips <= {"35001"}, (user, path, fips)
            if user in ("officer_other", "supervisor_other", "sib_other"):
                assert "35013" not in fips, (user, path, fips)
