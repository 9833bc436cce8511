"""The detainer hotline and victim/witness flags: an expedited re-review of a matched case.

From December 2011 the I-247 told every detained person, in six languages, to call the LESC
toll free if they believe they are a U.S. citizen or the victim of a crime; LESC staff refer
the call to the field office for action. An agency that knows the person as a victim or
witness can flag the booking the same way. Either opens a review with a deadline short enough
to end before the detainer can hold anyone: a day, or the detainer's own 48-hour deadline if
that comes first. An upheld claim goes into the dossier as a fact with the call as its source,
and the case is decided again on it, cancelling a detainer the policy no longer supports.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select, update

from scomm.adapters import deadlines
from scomm.adapters.tables import cases, detainers, hotline_reviews
from scomm.adapters.uow import UnitOfWork
from scomm.agencies.alerts import raise_alert
from scomm.agencies.field_office import amend_decision
from scomm.agencies.lesc import add_facts
from scomm.agencies.services import Services
from scomm.domain.errors import IllegalTransition, InvalidInput
from scomm.domain.messages import (
    CompleteHotlineReview,
    Fact,
    HotlineCallReceived,
    HotlineReviewCompleted,
    ReceiveHotlineCall,
    mid,
)

#: The review must end within a day of the call, sooner if a detainer deadline comes first.
EXPEDITED_REVIEW = timedelta(hours=24)
DUE = "hotline_review_due"
OPEN = frozenset({"open", "overdue"})


def receive_call(msg: ReceiveHotlineCall, uow: UnitOfWork, svc: Services) -> None:
    if uow.conn.execute(select(hotline_reviews.c.call_id).where(
            hotline_reviews.c.call_id == msg.call_id)).first() is not None:
        raise InvalidInput("call_id", f"call {msg.call_id!r} is already on file")
    now = uow.now()
    case = uow.conn.execute(select(cases.c.case_id, cases.c.fips5).where(
        cases.c.booking_id == msg.booking_id)).first()
    due: datetime | None = None
    if case is not None:
        limit = uow.conn.execute(select(detainers.c.deadline_at).where(
            detainers.c.case_id == case.case_id)).scalar()
        due = now + EXPEDITED_REVIEW
        if limit is not None and now < limit < due:
            due = limit
    uow.conn.execute(insert(hotline_reviews).values(
        call_id=msg.call_id, booking_id=msg.booking_id,
        case_id=None if case is None else case.case_id, channel=msg.channel, claim=msg.claim,
        received_at=now, due_at=due, state="open" if case else "closed",
        outcome=None if case else "no_match_on_file", completed_at=None if case else now))
    uow.audit("write", "hotline_review", msg.call_id, {"booking_id": msg.booking_id,
                                                       "claim": msg.claim})
    if case is not None and due is not None:
        deadlines.schedule(uow, DUE, msg.call_id, due)
    uow.emit(HotlineCallReceived(
        message_id=mid("HotlineCallReceived", msg.call_id), occurred_at=now,
        call_id=msg.call_id, booking_id=msg.booking_id,
        case_id=None if case is None else case.case_id, channel=msg.channel, claim=msg.claim,
        due_at=due))


def _claim_facts(claim: str, msg: CompleteHotlineReview, now: datetime) -> list[Fact]:
    source = f"HOTLINE:{msg.call_id}"
    if claim == "citizen":
        if msg.verified_status is None:
            raise InvalidInput("verified_status", "an upheld citizenship claim names what the "
                               "proof shows: citizen or naturalized_citizen")
        return [Fact(name="HOTLINE.verified_status", value=msg.verified_status, source=source,
                     queried_at=now)]
    return [Fact(name="HOTLINE.victim_or_witness", value=True, source=source, queried_at=now)]


def complete_review(msg: CompleteHotlineReview, uow: UnitOfWork, svc: Services) -> None:
    review = uow.conn.execute(select(hotline_reviews).where(
        hotline_reviews.c.call_id == msg.call_id)).first()
    if review is None:
        raise InvalidInput("call_id", f"no hotline call {msg.call_id!r}")
    if review.state not in OPEN:
        raise IllegalTransition(f"hotline call {msg.call_id}: review already {review.state}")
    now = uow.now()
    action = "unchanged"
    if msg.outcome == "substantiated":
        add_facts(uow, svc, review.case_id, _claim_facts(review.claim, msg, now),
                  f"hotline call {msg.call_id} upheld")
        action = amend_decision(uow, review.case_id, f"hotline call {msg.call_id}: "
                                f"{review.claim} claim upheld") or "unchanged"
    late = review.due_at is not None and now > review.due_at
    uow.conn.execute(update(hotline_reviews).where(hotline_reviews.c.call_id == msg.call_id)
                     .values(state="closed", outcome=msg.outcome, officer=msg.officer,
                             narrative=msg.narrative.strip(), completed_at=now))
    uow.audit("write", "hotline_review", msg.call_id, {"outcome": msg.outcome},
              actor=f"officer:{msg.officer}")
    deadlines.cancel(uow, DUE, msg.call_id)
    uow.emit(HotlineReviewCompleted(
        message_id=mid("HotlineReviewCompleted", msg.call_id), occurred_at=now,
        call_id=msg.call_id, case_id=review.case_id, outcome=msg.outcome, action=action,
        late=late))


def review_overdue(uow: UnitOfWork, call_id: str, due_at: datetime) -> None:
    review = uow.conn.execute(select(hotline_reviews).where(
        hotline_reviews.c.call_id == call_id)).first()
    if review is None or review.state != "open":
        return
    uow.conn.execute(update(hotline_reviews).where(hotline_reviews.c.call_id == call_id)
                     .values(state="overdue"))
    fips5 = uow.conn.execute(select(cases.c.fips5).where(
        cases.c.case_id == review.case_id)).scalar()
    raise_alert(uow, "hotline_review_overdue", call_id, fips5,
                f"{review.claim} claim on {review.booking_id} not reviewed by "
                f"{due_at.isoformat()}")
