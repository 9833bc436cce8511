"""The API end to end over a real store: sign-in, a booking through the flow, the case with
its trace, structured errors that change nothing, and the published OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

from served import Served
from sqlalchemy import func, select

from scomm.adapters.tables import bookings, lea_responses


def _booking_json(served: Served, booking_id: str, fips5: str) -> dict[str, Any]:
    with served.engine.connect() as conn:
        row = conn.execute(select(bookings).where(
            bookings.c.booking_id == served.ids["plain_booking"])).one()
    return {"booking_id": booking_id, "ori": row.ori, "fips5": fips5,
            "booked_at": served.clock.now().isoformat(), "biographic": row.biographic,
            "charges": row.charges, "prints": row.prints}


def test_openapi_is_published(served: Served) -> None:
    spec = served.client.get("/openapi.json").json()
    assert {"/api/bookings", "/api/bookings/file", "/api/cases/{case_id}", "/api/detainers",
            "/api/hotline", "/api/complaints", "/api/statistics",
            "/api/oversight/compliance"} <= set(spec["paths"])


def test_a_booking_goes_through_the_flow(served: Served) -> None:
    body = _booking_json(served, "API-0001", "35013")
    r = served.client.post("/api/bookings", json=body, headers=served.headers("jail_own"))
    assert r.status_code == 202, r.text
    assert r.json()["links"]["response"] == "/api/bookings/API-0001/response"
    served.worker.drain()
    resp = served.client.get("/api/bookings/API-0001/response",
                             headers=served.headers("jail_own")).json()
    kinds = {i["kind"] for i in resp["responses"]}
    assert "criminal_history" in kinds and resp["complete"], resp
    again = served.client.post("/api/bookings", json=body, headers=served.headers("jail_own"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "repeat"


def test_upload_of_a_booking_file(served: Served) -> None:
    raw = json.dumps(_booking_json(served, "API-FILE-1", "35013")).encode()
    r = served.client.post("/api/bookings/file", headers=served.headers("jail_own"),
                           files={"file": ("booking.json", raw, "application/json")})
    assert r.status_code == 202, r.text


def test_malformed_input_is_refused_naming_the_field_and_changes_nothing(served: Served
                                                                         ) -> None:
    with served.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(bookings)).scalar_one()
    bad = _booking_json(served, "API-BAD-1", "35013")
    bad["charges"][0]["ncic_code"] = "XYZ"
    r = served.client.post("/api/bookings", json=bad, headers=served.headers("jail_own"))
    assert r.status_code == 422
    assert r.json()["error"]["field"].startswith("body.charges[0].ncic_code")
    junk = served.client.post("/api/bookings/file", headers=served.headers("jail_own"),
                              files={"file": ("x.eft", b"1.001:garbage\x1d", "application/x")})
    assert junk.status_code == 422 and junk.json()["error"]["field"], junk.text
    unknown = served.client.post("/api/bookings", json=_booking_json(served, "API-BAD-2",
                                                                    "99999"),
                                 headers=served.headers("jail_own"))
    assert unknown.status_code == 403
    with served.engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(bookings)).scalar_one()
        assert conn.execute(select(func.count()).select_from(lea_responses).where(
            lea_responses.c.booking_id.like("API-BAD%"))).scalar_one() == 0
    assert after == before


def test_the_case_shows_dossier_and_trace(served: Served) -> None:
    c = served.client.get(f"/api/cases/{served.ids['case']}",
                          headers=served.headers("officer_own")).json()
    assert c["dossier"] and all(f["source"] for f in c["dossier"])
    assert c["decision"]["policy_version"] and c["decision"]["trace"]


def test_sign_in_refusals_and_lockout(served: Served) -> None:
    for _ in range(5):
        r = served.client.post("/api/session", json={"username": "sib_other",
                                                     "password": "wrong password!"})
        assert r.status_code == 401
    locked = served.client.post("/api/session", json={"username": "sib_other",
                                                      "password": "correct horse battery"})
    assert locked.status_code == 401
    assert locked.json()["error"]["message"] == served.client.post(
        "/api/session", json={"username": "nobody", "password": "x" * 12}).json()[
        "error"]["message"]
    released = served.client.post("/api/accounts/sib_other/release",
                                  headers=served.headers("admin"))
    assert released.status_code == 204
    ok = served.client.post("/api/session", json={"username": "sib_other",
                                                  "password": "correct horse battery"})
    assert ok.status_code == 200


def test_no_session_is_401(served: Served) -> None:
    r = served.client.get("/api/cases")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
