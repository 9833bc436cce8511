"""State identification bureau: forwards the booking's prints to the FBI.

A state may choose not to send minor-offense prints to the FBI at all (OIG-12-66): then the
booking never reaches IAFIS or IDENT, and the jail is told why.
"""

from __future__ import annotations

from sqlalchemy import insert

from scomm.adapters.tables import submissions
from scomm.adapters.uow import UnitOfWork
from scomm.agencies.services import Services
from scomm.domain.messages import (
    BookingSubmitted,
    SubmissionForwarded,
    SubmissionWithheld,
    mid,
)
from scomm.policy.participation import forwards_minor_offense_prints


def forward(msg: BookingSubmitted, uow: UnitOfWork, svc: Services) -> None:
    b = msg.booking
    j = svc.reference.jurisdiction(b.fips5)
    minor_only = all(svc.catalog.get(c.ncic_code).minor_traffic for c in b.charges)
    day = b.booked_at.date()
    withhold = minor_only and not forwards_minor_offense_prints(j.state_abbr, day,
                                                                svc.reference.elections)
    if withhold:
        rule, reason = "state-minor-offense-prints", (
            f"{j.state_abbr} does not send minor-offense fingerprints to the FBI")
        uow.emit(SubmissionWithheld(message_id=mid("SubmissionWithheld", b.booking_id),
                                    occurred_at=uow.now(), booking_id=b.booking_id,
                                    fips5=b.fips5, rule_id=rule, reason=reason))
    else:
        rule, reason = "forward-all", "tenprint forwarded to IAFIS"
        uow.emit(SubmissionForwarded(
            message_id=mid("SubmissionForwarded", b.booking_id), occurred_at=uow.now(),
            booking_id=b.booking_id, ori=b.ori, fips5=b.fips5, booked_at=b.booked_at,
            biographic=b.biographic, charges=b.charges, prints=b.prints))
    uow.conn.execute(insert(submissions).values(
        booking_id=b.booking_id, fips5=b.fips5, forwarded=not withhold, rule_id=rule,
        reason=reason, at=uow.now()))
    uow.audit("read", "booking", b.booking_id, {"forwarded": not withhold})
