"""The field office's work queue: what is waiting, for whom, and by when.

Read-only: cases still to decide, overrides awaiting a supervisor, decided cases still to
document, and hotline reviews still open, each with its due time and whether it is overdue
now. It reads the same deadlines the clock fires, so the queue and the alerts cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from scomm.adapters.tables import cases, deadlines, hotline_reviews

#: queue item -> the deadline kind that dates it
DUE_KIND = {"open": "case_decision_due", "awaiting_approval": "override_review_due",
            "decided": "documentation_due"}
WAITING_FOR = {"open": "decision", "awaiting_approval": "supervisor's ruling on an override",
               "decided": "encounter and disposition"}


@dataclass(frozen=True)
class QueueItem:
    ref_id: str
    booking_id: str
    waiting_for: str
    due_at: datetime | None
    overdue: bool


def work_queue(conn: Connection, aor: str, now: datetime) -> list[QueueItem]:
    """The office's open work, soonest due first (undated items last)."""
    items: list[QueueItem] = []
    rows = conn.execute(select(cases.c.case_id, cases.c.booking_id, cases.c.state)
                        .where(cases.c.aor == aor, cases.c.state.in_(tuple(DUE_KIND)))).all()
    due = {(r.kind, r.ref_id): r.due_at for r in conn.execute(
        select(deadlines.c.kind, deadlines.c.ref_id, deadlines.c.due_at).where(
            deadlines.c.ref_id.in_([r.case_id for r in rows]),
            deadlines.c.kind.in_(tuple(DUE_KIND.values()))))}
    for r in rows:
        at = due.get((DUE_KIND[r.state], r.case_id))
        items.append(QueueItem(r.case_id, r.booking_id, WAITING_FOR[r.state], at,
                               at is not None and at < now))
    for h in conn.execute(select(hotline_reviews).join(
            cases, cases.c.case_id == hotline_reviews.c.case_id).where(
            cases.c.aor == aor, hotline_reviews.c.state.in_(("open", "overdue")))):
        items.append(QueueItem(h.call_id, h.booking_id, f"hotline review ({h.claim} claim)",
                               h.due_at, h.state == "overdue" or (h.due_at is not None
                                                                  and h.due_at < now)))
    return sorted(items, key=lambda i: (i.due_at is None, i.due_at or now, i.ref_id))
