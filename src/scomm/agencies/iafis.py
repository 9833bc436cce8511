"""FBI criminal fingerprint system: tenprint 1:N search, criminal history, and the hand-off.

Every forwarded booking is searched against the criminal gallery. A hit returns the subject's
FBI number and history; a miss enrols a new identity. The current arrest is appended to the
history either way. Interoperability then decides, by the participation rule in force on the
booking date, whether the same prints go on to IDENT.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select

from scomm.adapters.tables import criminal_searches, iafis_history, iafis_subjects
from scomm.adapters.uow import UnitOfWork
from scomm.agencies.services import Services
from scomm.biometrics.gallery import Probes
from scomm.biometrics.template import decode_tenprint
from scomm.domain.booking import Booking
from scomm.domain.messages import (
    CriminalSearchCompleted,
    HistoryEntry,
    Routing,
    SubmissionForwarded,
    mid,
)
from scomm.policy.participation import routing_on


def new_fbi_number(uow: UnitOfWork, booking_id: str) -> str:
    """The FBI number of an identity first seen at ``booking_id``: 9 characters like the FBI's
    UCN, derived from the booking id so that a retried transaction assigns the same number.

    A derived number can clash with an existing subject (45 bits: about one clash per 10^4
    national replays; the 32 bits used before clashed within one), so a taken number moves on
    to the next derivation, which is as repeatable as the first.
    """
    seed, attempt = booking_id, 0
    while True:
        digest = hashlib.blake2b(seed.encode(), digest_size=8).digest()
        number = base64.b32encode(digest).decode()[:9]
        taken = uow.conn.execute(select(iafis_subjects.c.fbi_number).where(
            iafis_subjects.c.fbi_number == number)).first()
        if taken is None:
            return number
        attempt += 1
        seed = f"{booking_id}#{attempt}"


def history_of(uow: UnitOfWork, fbi_number: str) -> tuple[HistoryEntry, ...]:
    rows = uow.conn.execute(select(iafis_history).where(iafis_history.c.fbi_number == fbi_number)
                            .order_by(iafis_history.c.arrested_on, iafis_history.c.event_key))
    return tuple(HistoryEntry(arrested_on=r.arrested_on, ncic_code=r.ncic_code,
                              convicted=r.convicted, sentence_days=r.sentence_days,
                              fips5=r.fips5) for r in rows)


def expect(bookings: Sequence[Booking], svc: Services) -> None:
    """Search bookings ahead of their arrival: every one against the criminal file, and the
    ones interoperability will share (the same rule :func:`search` applies) against IDENT.

    A replay knows a day's bookings at its start; searching them as a batch is what lets a
    national replay fit on two cores. It changes no answer (:meth:`GalleryStore.identify`).
    """
    if not bookings:
        return
    prints = [b.prints for b in bookings]
    probes = Probes.of([decode_tenprint(p) for p in prints])
    svc.iafis.expect(prints, probes)
    shared = [i for i, b in enumerate(bookings) if _routing(b.fips5, b.booked_at, svc).shared]
    svc.ident.expect([prints[i] for i in shared], probes.take(shared))


def _routing(fips5: str, booked_at: datetime, svc: Services) -> Routing:
    j = svc.reference.jurisdiction(fips5)
    return routing_on(booked_at.date(), j.state_abbr, j.fips5, j.activation_date,
                      svc.reference.elections)


def search(msg: SubmissionForwarded, uow: UnitOfWork, svc: Services) -> None:
    hit = svc.iafis.identify(msg.prints)
    if hit is not None:
        fbi, score, new = hit.subject_id, hit.score, False
        history = history_of(uow, fbi)
        uow.audit("read", "criminal_history", fbi, {"booking_id": msg.booking_id})
    else:
        fbi, score, new = new_fbi_number(uow, msg.booking_id), 0.0, True
        history = ()
        svc.iafis.enrol(uow, fbi, msg.prints)
    uow.conn.execute(insert(iafis_history), [
        {"event_key": f"{msg.booking_id}:{i}", "fbi_number": fbi,
         "arrested_on": msg.booked_at.date(), "ncic_code": c.ncic_code, "convicted": None,
         "sentence_days": None, "fips5": msg.fips5}
        for i, c in enumerate(msg.charges)])
    uow.audit("write", "criminal_history", fbi, {"booking_id": msg.booking_id, "new": new})
    routing = _routing(msg.fips5, msg.booked_at, svc)
    uow.conn.execute(insert(criminal_searches).values(
        booking_id=msg.booking_id, fips5=msg.fips5, fbi_number=fbi, new_identity=new,
        score=score, shared_with_ident=routing.shared, routing_rule=routing.rule_id,
        routing_reason=routing.reason, at=uow.now()))
    uow.emit(CriminalSearchCompleted(
        message_id=mid("CriminalSearchCompleted", msg.booking_id), occurred_at=uow.now(),
        booking_id=msg.booking_id, ori=msg.ori, fips5=msg.fips5, booked_at=msg.booked_at,
        fbi_number=fbi, new_identity=new, score=score, biographic=msg.biographic,
        charges=msg.charges, history=history, routing=routing, prints=msg.prints))
