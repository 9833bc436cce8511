"""DHS Office for Civil Rights and Civil Liberties: complaints, from intake to closure.

Civil-rights organisations asked for a complaint process that works: anyone can complain by
web form, hotline, mail, or from jail (the detainer notice says how); CRCL triages, reviews,
may refer to the Department of Justice, has corrective action taken, and closes with a
finding. Every step is dated, attributed and audited. The complainant's identity is kept
apart from the complaint and only CRCL's reviewing role can read it, so a field office that
reads complaints about its jurisdiction never learns who made them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from scomm.adapters.audit import AuditWriter
from scomm.adapters.tables import complainant_identities, complaint_steps, complaints
from scomm.adapters.uow import UnitOfWork
from scomm.agencies.services import Services
from scomm.domain.errors import Forbidden, IllegalTransition, InvalidInput
from scomm.domain.messages import AdvanceComplaint, ComplaintReceived, FileComplaint, mid

#: The role that reviews complaints and alone may read who made them.
REVIEWER = "crcl_reviewer"

#: step -> (states it may follow, state it leads to)
STEPS: dict[str, tuple[frozenset[str], str]] = {
    "triage": (frozenset({"received"}), "triaged"),
    "review": (frozenset({"triaged"}), "under_review"),
    "refer_doj": (frozenset({"under_review"}), "referred_doj"),
    "corrective_action": (frozenset({"under_review", "referred_doj"}), "corrective_action"),
    "close": (frozenset({"under_review", "referred_doj", "corrective_action"}), "closed"),
}


def _step(uow: UnitOfWork, complaint_id: str, step: str, actor: str, note: str) -> None:
    seq = uow.conn.execute(select(func.count()).select_from(complaint_steps).where(
        complaint_steps.c.complaint_id == complaint_id)).scalar_one()
    uow.conn.execute(insert(complaint_steps).values(
        complaint_id=complaint_id, seq=seq, step=step, actor=actor, at=uow.now(), note=note))
    uow.audit("write", "complaint", complaint_id, {"step": step}, actor=actor)


def file_complaint(msg: FileComplaint, uow: UnitOfWork, svc: Services) -> None:
    if uow.conn.execute(select(complaints.c.complaint_id).where(
            complaints.c.complaint_id == msg.complaint_id)).first() is not None:
        raise InvalidInput("complaint_id", f"complaint {msg.complaint_id!r} is already on file")
    uow.conn.execute(insert(complaints).values(
        complaint_id=msg.complaint_id, channel=msg.channel, fips5=msg.fips5,
        booking_id=msg.booking_id, category=msg.category, allegation=msg.allegation.strip(),
        state="received", received_at=uow.now()))
    uow.conn.execute(insert(complainant_identities).values(
        complaint_id=msg.complaint_id, name=msg.complainant_name.strip(),
        contact=msg.complainant_contact.strip()))
    _step(uow, msg.complaint_id, "intake", f"intake:{msg.channel}",
          f"received by {msg.channel}")
    uow.emit(ComplaintReceived(
        message_id=mid("ComplaintReceived", msg.complaint_id), occurred_at=uow.now(),
        complaint_id=msg.complaint_id, channel=msg.channel, fips5=msg.fips5,
        category=msg.category))


def advance_complaint(msg: AdvanceComplaint, uow: UnitOfWork, svc: Services) -> None:
    if msg.role != REVIEWER:
        raise Forbidden(f"role {msg.role!r} may not handle complaints; only {REVIEWER}")
    row = uow.conn.execute(select(complaints).where(
        complaints.c.complaint_id == msg.complaint_id)).first()
    if row is None:
        raise InvalidInput("complaint_id", f"no complaint {msg.complaint_id!r}")
    after, state = STEPS[msg.step]
    if row.state not in after:
        raise IllegalTransition(f"complaint {msg.complaint_id}: cannot {msg.step} while "
                                f"{row.state}")
    values: dict[str, Any] = {"state": state}
    if msg.step == "triage":
        if msg.priority is None:
            raise InvalidInput("priority", "triage sets a priority: high or normal")
        values["priority"] = msg.priority
    if msg.step == "close":
        if msg.finding is None:
            raise InvalidInput("finding", "closure records a finding")
        values |= {"finding": msg.finding, "closed_at": uow.now()}
    uow.conn.execute(update(complaints).where(complaints.c.complaint_id == msg.complaint_id)
                     .values(**values))
    _step(uow, msg.complaint_id, msg.step, f"{msg.role}:{msg.actor}", msg.note.strip())


def complainant(conn: Connection, complaint_id: str, role: str, actor: str,
                at: datetime) -> tuple[str, str]:
    """Who made a complaint: for CRCL's reviewers only, and every reading is audited."""
    audit = AuditWriter(conn)
    if role != REVIEWER:
        audit.append(at, f"{role}:{actor}", "denied", "complainant", complaint_id)
        audit.flush()
        raise Forbidden(f"role {role!r} may not read the complainant's identity")
    row = conn.execute(select(complainant_identities).where(
        complainant_identities.c.complaint_id == complaint_id)).first()
    if row is None:
        raise InvalidInput("complaint_id", f"no complaint {complaint_id!r}")
    audit.append(at, f"{role}:{actor}", "read", "complainant", complaint_id)
    audit.flush()
    return row.name, row.contact
