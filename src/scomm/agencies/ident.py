"""DHS biometric system (IDENT): the immigration 1:N search that Secure Communities added.

Only prints that interoperability shared are searched. A match sends the automatic query to
the support center (the LESC consumes the match); a miss is an IDR "no match".
"""

from __future__ import annotations

from sqlalchemy import insert

from scomm.adapters.tables import immigration_searches
from scomm.adapters.uow import UnitOfWork
from scomm.agencies.services import Services
from scomm.domain.messages import CriminalSearchCompleted, ImmigrationSearchCompleted, mid


def search(msg: CriminalSearchCompleted, uow: UnitOfWork, svc: Services) -> None:
    if not msg.routing.shared:
        return
    hit = svc.ident.identify(msg.prints)
    ident_id = hit.subject_id if hit else None
    score = hit.score if hit else 0.0
    uow.conn.execute(insert(immigration_searches).values(
        booking_id=msg.booking_id, fips5=msg.fips5, matched=hit is not None,
        ident_id=ident_id, score=score, at=uow.now()))
    if ident_id is not None:
        uow.audit("read", "ident_encounter", ident_id, {"booking_id": msg.booking_id})
    uow.emit(ImmigrationSearchCompleted(
        message_id=mid("ImmigrationSearchCompleted", msg.booking_id), occurred_at=uow.now(),
        booking_id=msg.booking_id, ori=msg.ori, fips5=msg.fips5, booked_at=msg.booked_at,
        matched=hit is not None, ident_id=ident_id, score=score, fbi_number=msg.fbi_number,
        biographic=msg.biographic, charges=msg.charges, history=msg.history,
        lea_receives=msg.routing.lea_receives))
