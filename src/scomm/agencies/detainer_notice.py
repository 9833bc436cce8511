"""The I-247 for a lodged detainer, filled from the records it is about.

The form is addressed to the booking agency about the person it booked, so besides the
detainer and its case it reads the booking's own biographic header (name, birth date, sex,
place of birth); never the monitoring fields. The read is audited like any other.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from scomm.adapters.reference import ReferenceData
from scomm.adapters.tables import bookings, cases, detainers
from scomm.adapters.uow import UnitOfWork
from scomm.domain.errors import InvalidInput
from scomm.formats.i247 import DetainerNotice


def notice_for(uow: UnitOfWork, reference: ReferenceData, detainer_id: str
               ) -> DetainerNotice:
    row = uow.conn.execute(
        select(detainers.c.detainer_id, detainers.c.issued_at,
               detainers.c.operative_upon_conviction, cases.c.booking_id, cases.c.ident_id,
               cases.c.ori, cases.c.fips5, cases.c.aor, bookings.c.biographic)
        .join(cases, cases.c.case_id == detainers.c.case_id)
        .join(bookings, bookings.c.booking_id == cases.c.booking_id)
        .where(detainers.c.detainer_id == detainer_id)).first()
    if row is None:
        raise InvalidInput("detainer_id", f"no detainer {detainer_id!r}")
    uow.audit("read", "detainer", detainer_id, {"document": "I-247"})
    uow.audit("read", "booking", row.booking_id, {"fields": "biographic header"})
    bio = row.biographic
    place = reference.jurisdiction(row.fips5)
    return DetainerNotice(
        detainer_id=row.detainer_id, event_number=row.booking_id,
        to_institution=f"{place.county_name}, {place.state_abbr} (booking agency)",
        to_ori=row.ori, from_office=f"ICE ERO field office {row.aor}",
        subject_name=f"{bio['last_name']}, {bio['first_name']}",
        date_of_birth=date.fromisoformat(bio["date_of_birth"]), sex=bio["sex"],
        nationality=bio.get("place_of_birth") or "not recorded",
        issued_at=row.issued_at, operative_upon_conviction=row.operative_upon_conviction,
        subject_id=row.ident_id)
