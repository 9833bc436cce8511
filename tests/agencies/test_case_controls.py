"""The field office's controls: supervisor approval of overrides, required documentation
fields, escalation of undocumented matches, the detainer's service and cancellation, and the
hotline's expedited review. Each test works on a fresh copy of a case from the tiny run."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from scomm.adapters import db
from scomm.adapters import tables as t
from scomm.adapters.clock import ManualClock
from scomm.agencies.field_office import DECISION_DUE, DOCUMENTATION_DUE
from scomm.bootstrap import System, bootstrap
from scomm.domain.errors import IllegalTransition, InvalidInput
from scomm.domain.messages import (
    CancelDetainer,
    Command,
    CompleteHotlineReview,
    DecideCase,
    ExpireDeadlines,
    Message,
    ReceiveHotlineCall,
    RecordDetainerServed,
    RecordDisposition,
    RecordEncounter,
    ReportRelease,
    ReviewOverride,
    mid,
)

START = datetime(2012, 2, 6, 15, 0, tzinfo=UTC)  # a Monday, hotline and 2011 priorities in force


@pytest.fixture
def store(tiny_run: Any, tmp_path: Path) -> Iterator[tuple[System, list[Message]]]:
    """A private copy of the tiny run's store and a system on it that records what it emits."""
    copy = tmp_path / "scomm.db"
    with sqlite3.connect(tiny_run.out_dir / "scomm.db") as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    engine = db.make_engine(f"sqlite:///{copy}")
    seen: list[Message] = []
    system = bootstrap(engine, ManualClock(START), listeners=[seen.append])
    yield system, seen
    engine.dispose()


def _send(system: System, command: type[Command], key: str, **fields: Any) -> bool:
    return system.bus.handle(command(message_id=mid(command.__name__, key),
                                     occurred_at=system.clock.now(), **fields))


def _clone(engine: Engine, action: str, n: int) -> str:
    """A new open case with the dossier of a decided case whose decision was ``action``."""
    with engine.begin() as conn:
        src = conn.execute(select(t.cases).join(t.decisions, t.decisions.c.case_id ==
                                                t.cases.c.case_id)
                           .where(t.decisions.c.action == action)
                           .order_by(t.cases.c.case_id)).first()
        assert src is not None, f"the tiny run has no {action} decision"
        booking_id = f"{src.booking_id}-T{n}"
        case_id = f"C-{booking_id}"
        booking = conn.execute(select(t.bookings).where(
            t.bookings.c.booking_id == src.booking_id)).one()
        conn.execute(insert(t.bookings).values({**booking._mapping, "booking_id": booking_id}))
        conn.execute(insert(t.cases).values({
            **src._mapping, "case_id": case_id, "booking_id": booking_id, "state": "open",
            "opened_at": START - timedelta(hours=1), "due_at": START + timedelta(hours=23),
            "closed_at": None}))
        facts = conn.execute(select(t.dossier_facts).where(
            t.dossier_facts.c.case_id == src.case_id)).all()
        conn.execute(insert(t.dossier_facts), [{**f._mapping, "case_id": case_id}
                                               for f in facts])
        conn.execute(insert(t.deadlines), [
            {"deadline_id": f"{kind}:{case_id}", "kind": kind, "ref_id": case_id,
             "due_at": START - timedelta(hours=1) + due, "state": "pending"}
            for kind, due in (("case_decision_due", DECISION_DUE),
                              ("documentation_due", DOCUMENTATION_DUE))])
    return case_id


def _row(engine: Engine, table: Any, **where: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(table).where(
            *(table.c[k] == v for k, v in where.items()))).first()


def _decide(system: System, case_id: str, **kw: Any) -> None:
    _send(system, DecideCase, case_id, case_id=case_id, officer="ELP-001", **kw)


def test_an_override_waits_for_a_supervisor(store: tuple[System, list[Message]]) -> None:
    system, seen = store
    engine = system.engine
    rejected, approved = _clone(engine, "detainer", 1), _clone(engine, "detainer", 2)
    for case_id in (rejected, approved):
        with pytest.raises(InvalidInput, match="override_reason"):
            _decide(system, case_id, override_action="no_action", override_reason=" ")
        assert _row(engine, t.decisions, case_id=case_id) is None  # refused: nothing stored
        _decide(system, case_id, override_action="no_action", override_reason="resources")
        assert _row(engine, t.cases, case_id=case_id).state == "awaiting_approval"
        assert _row(engine, t.detainers, case_id=case_id) is None
    assert [m.kind for m in seen].count("OverrideRequested") == 2
    with pytest.raises(InvalidInput, match="own override"):
        _send(system, ReviewOverride, rejected, case_id=rejected, supervisor="ELP-001",
              approve=True, note="self-approval")
    _send(system, ReviewOverride, rejected, case_id=rejected, supervisor="ELP-SUP",
          approve=False, note="no recognised ground")
    _send(system, ReviewOverride, approved, case_id=approved, supervisor="ELP-SUP",
          approve=True, note="resources documented")
    r, a = _row(engine, t.decisions, case_id=rejected), _row(engine, t.decisions,
                                                               case_id=approved)
    assert (r.approval, r.action, r.requested_action) == ("rejected", "detainer", "no_action")
    assert (a.approval, a.action, a.supervisor) == ("approved", "no_action", "ELP-SUP")
    assert _row(engine, t.detainers, case_id=rejected).state == "issued"
    assert _row(engine, t.detainers, case_id=approved) is None
    with pytest.raises(IllegalTransition):
        _send(system, ReviewOverride, f"{rejected}:2", case_id=rejected, supervisor="ELP-SUP",
              approve=True, note="again")
    from scomm.oversight.decisions import explain

    with engine.begin() as conn:
        e = explain(conn, approved, actor="test", at=system.clock.now())
    assert (e.approval, e.requested_action, e.action, e.supervisor) == (
        "approved", "no_action", "no_action", "ELP-SUP")
    assert not e.followed_recommendation and e.reproduced


def test_documentation_needs_its_fields_and_must_fit_the_decision(
        store: tuple[System, list[Message]]) -> None:
    system, _ = store
    engine = system.engine
    case_id = _clone(engine, "detainer", 3)
    _decide(system, case_id)
    now = system.clock.now()
    bad_encounters = [
        ({"encountered_at": now + timedelta(hours=1)}, "encountered_at"),
        ({"encountered_at": START - timedelta(days=3)}, "encountered_at"),
        ({"subject_contacted": False}, "subject_contacted"),
    ]
    for n, (change, field) in enumerate(bad_encounters):
        fields = {"method": "in_person", "encountered_at": now, "location": "county jail",
                  "subject_contacted": True, **change}
        with pytest.raises(InvalidInput, match=field):
            _send(system, RecordEncounter, f"{case_id}:{n}", case_id=case_id,
                  officer="ELP-001", **fields)
    for n, (code, match) in enumerate([("lost", "unknown disposition"),
                                       ("no_action_not_priority", "cannot close")]):
        with pytest.raises(InvalidInput, match=match):
            _send(system, RecordDisposition, f"{case_id}:{n}", case_id=case_id,
                  officer="ELP-001", disposition=code, narrative="detainer lodged at jail")
    assert _row(engine, t.encounters, case_id=case_id) is None
    assert _row(engine, t.dispositions, case_id=case_id) is None
    _send(system, RecordEncounter, case_id, case_id=case_id, officer="ELP-001",
          method="telephone", encountered_at=now, location="by telephone",
          subject_contacted=False)
    assert _row(engine, t.cases, case_id=case_id).state == "decided"
    _send(system, RecordDisposition, case_id, case_id=case_id, officer="ELP-001",
          disposition="detainer_lodged", narrative="I-247 faxed to the jail")
    assert _row(engine, t.cases, case_id=case_id).state == "closed"


def _advance(system: System, to: datetime) -> None:
    assert isinstance(system.clock, ManualClock)
    system.clock.advance_to(to)
    _send(system, ExpireDeadlines, to.isoformat())


def test_an_undocumented_match_goes_to_the_supervisor(
        store: tuple[System, list[Message]]) -> None:
    system, seen = store
    case_id = _clone(system.engine, "detainer", 4)
    _decide(system, case_id)
    _advance(system, START + timedelta(days=8))
    escalated = [m for m in seen if m.kind == "DocumentationEscalated"]
    assert [(m.case_id, m.missing) for m in escalated] == [(case_id, ("encounter",
                                                                      "disposition"))]
    assert _row(system.engine, t.alerts, kind="match_undocumented", ref_id=case_id)
    _advance(system, START + timedelta(days=12))
    assert _row(system.engine, t.alerts, kind="escalation_overdue", ref_id=case_id)


def test_a_detainer_is_served_then_cancelled(store: tuple[System, list[Message]]) -> None:
    system, seen = store
    engine = system.engine
    case_id = _clone(engine, "detainer", 5)
    _decide(system, case_id)
    booking_id = _row(engine, t.cases, case_id=case_id).booking_id
    with pytest.raises(InvalidInput, match="served_at"):
        _send(system, RecordDetainerServed, f"{booking_id}:0", booking_id=booking_id,
              served_at=START + timedelta(days=1))
    _send(system, RecordDetainerServed, booking_id, booking_id=booking_id,
          served_at=system.clock.now())
    assert _row(engine, t.detainers, case_id=case_id).state == "served"
    with pytest.raises(IllegalTransition, match="already served"):
        _send(system, RecordDetainerServed, f"{booking_id}:1", booking_id=booking_id,
              served_at=system.clock.now())
    _send(system, CancelDetainer, case_id, case_id=case_id, officer="ELP-001",
          reason="prosecution declined; not a priority")
    d = _row(engine, t.detainers, case_id=case_id)
    assert (d.state, d.cancel_reason, d.held_hours) == ("cancelled", "prosecution declined; "
                                                        "not a priority", 0.0)
    assert any(m.kind == "DetainerCancelled" for m in seen)
    with pytest.raises(IllegalTransition):
        _send(system, CancelDetainer, f"{case_id}:2", case_id=case_id, officer="ELP-001",
              reason="again")


def _held(system: System, n: int, release: datetime) -> tuple[str, str, datetime]:
    """A detainer case whose person the jail would have released at ``release``: held now."""
    case_id = _clone(system.engine, "detainer", n)
    _decide(system, case_id)
    booking_id = _row(system.engine, t.cases, case_id=case_id).booking_id
    _advance(system, release)
    _send(system, ReportRelease, booking_id, booking_id=booking_id, release_at=release,
          facility_tz="America/Denver")
    return case_id, booking_id, _row(system.engine, t.detainers, case_id=case_id).deadline_at


def test_an_upheld_citizenship_call_amends_the_decision_and_cancels_the_detainer(
        store: tuple[System, list[Message]]) -> None:
    system, seen = store
    engine = system.engine
    case_id, booking_id, deadline = _held(system, 6, START + timedelta(hours=2))
    _advance(system, deadline - timedelta(hours=3))
    _send(system, ReceiveHotlineCall, "call-1", call_id="call-1", booking_id=booking_id,
          channel="hotline", claim="citizen")
    review = _row(engine, t.hotline_reviews, call_id="call-1")
    assert (review.state, review.case_id) == ("open", case_id)
    assert review.due_at == deadline  # sooner than a day: the detainer's own deadline
    with pytest.raises(InvalidInput, match="verified_status"):
        _send(system, CompleteHotlineReview, "call-1:x", call_id="call-1", officer="ELP-002",
              outcome="substantiated", narrative="birth certificate presented")
    _send(system, CompleteHotlineReview, "call-1", call_id="call-1", officer="ELP-002",
          outcome="substantiated", narrative="birth certificate presented",
          verified_status="citizen")
    decision = _row(engine, t.decisions, case_id=case_id)
    assert decision.action not in ("detainer", "conditional_detainer")
    assert [a["action"] for a in decision.amendments] == ["detainer"]
    assert decision.facts["status"]["value"] == "citizen"
    with engine.connect() as conn:
        proof = conn.execute(select(t.dossier_facts.c.source).where(
            t.dossier_facts.c.case_id == case_id,
            t.dossier_facts.c.name == "HOTLINE.verified_status")).scalar_one()
    assert proof == "HOTLINE:call-1"
    d = _row(engine, t.detainers, case_id=case_id)
    assert d.state == "cancelled" and d.held_hours > 0  # held since release: still counted
    done = [m for m in seen if m.kind == "HotlineReviewCompleted"]
    assert len(done) == 1 and not done[0].late


def test_hotline_intake_edge_cases(store: tuple[System, list[Message]]) -> None:
    system, _ = store
    engine = system.engine
    _send(system, ReceiveHotlineCall, "call-none", call_id="call-none",
          booking_id="NO-SUCH-BOOKING", channel="hotline", claim="citizen")
    assert _row(engine, t.hotline_reviews, call_id="call-none").outcome == "no_match_on_file"
    with pytest.raises(InvalidInput, match="already on file"):
        _send(system, ReceiveHotlineCall, "call-none:2", call_id="call-none",
              booking_id="NO-SUCH-BOOKING", channel="hotline", claim="citizen")
    case_id = _clone(engine, "detainer", 7)
    booking_id = _row(engine, t.cases, case_id=case_id).booking_id
    _send(system, ReceiveHotlineCall, "flag-1", call_id="flag-1", booking_id=booking_id,
          channel="agency_flag", claim="victim")
    assert _row(engine, t.hotline_reviews, call_id="flag-1").due_at == START + timedelta(
        hours=24)
    _advance(system, START + timedelta(hours=25))
    assert _row(engine, t.hotline_reviews, call_id="flag-1").state == "overdue"
    assert _row(engine, t.alerts, kind="hotline_review_overdue", ref_id="flag-1")
    _send(system, CompleteHotlineReview, "flag-1", call_id="flag-1", officer="ELP-002",
          outcome="substantiated", narrative="witness in a pending assault case")
    _decide(system, case_id)  # decided after the review: the victim fact is in the dossier
    decision = _row(engine, t.decisions, case_id=case_id)
    assert decision.facts["victim_or_witness"]["source"] == "HOTLINE:flag-1"
    assert decision.action == "no_action"


def test_research_resumes_when_a_source_that_was_down_answers(
        store: tuple[System, list[Message]]) -> None:
    """A source that did not answer is a fact with no confidence; an hour later the support
    center asks again (a repeat with its reason, so not counted as unexplained research)."""
    system, _ = store
    engine = system.engine
    case_id = _clone(engine, "detainer", 8)
    with engine.begin() as conn:
        seq = max(conn.execute(select(t.dossier_facts.c.seq).where(
            t.dossier_facts.c.case_id == case_id)).scalars()) + 1
        conn.execute(insert(t.dossier_facts).values(
            case_id=case_id, seq=seq, name="CIS.unavailable", value=True, source="CIS",
            queried_at=START, confidence=0.0))
        conn.execute(insert(t.deadlines).values(
            deadline_id=f"research_retry:{case_id}", kind="research_retry", ref_id=case_id,
            due_at=START + timedelta(hours=1), state="pending"))
    _advance(system, START + timedelta(hours=1))
    with engine.connect() as conn:
        retry = conn.execute(select(t.source_queries).where(
            t.source_queries.c.case_id == case_id)).all()
        latest = conn.execute(select(t.dossier_facts.c.value).where(
            t.dossier_facts.c.case_id == case_id, t.dossier_facts.c.name == "CIS.unavailable")
            .order_by(t.dossier_facts.c.seq.desc()).limit(1)).scalar_one()
    assert [(q.source, q.stage, q.reason) for q in retry] == [
        ("CIS", "lesc_retry", "no answer at first research")]
    assert latest is False or retry[0].available is False


def test_the_work_queue_follows_the_case(store: tuple[System, list[Message]]) -> None:
    from scomm.agencies.queue import work_queue

    system, _ = store
    engine = system.engine
    case_id = _clone(engine, "detainer", 9)
    aor = _row(engine, t.cases, case_id=case_id).aor

    def item() -> Any:
        with engine.connect() as conn:
            return next(i for i in work_queue(conn, aor, system.clock.now())
                        if i.ref_id == case_id)

    assert (item().waiting_for, item().overdue) == ("decision", False)
    _decide(system, case_id, override_action="no_action", override_reason="resources")
    assert item().waiting_for == "supervisor's ruling on an override"
    _advance(system, START + timedelta(hours=25))
    assert item().overdue
    assert _row(engine, t.alerts, kind="override_review_overdue", ref_id=case_id)


def test_the_transport_desk_is_reminded_before_the_limit(
        store: tuple[System, list[Message]]) -> None:
    system, seen = store
    case_id, _, deadline = _held(system, 10, START + timedelta(hours=1))
    _advance(system, deadline - timedelta(hours=13))
    assert not any(m.kind == "PickupDue" for m in seen)
    _advance(system, deadline - timedelta(hours=12))
    due = [m for m in seen if m.kind == "PickupDue"]
    assert [(m.case_id, m.deadline_at) for m in due] == [(case_id, deadline)]
