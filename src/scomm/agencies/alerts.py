"""Alerts for the compliance report: one row per thing that went wrong, kept with its kind.

Raised in the same transaction as the state that warrants it (a hold past the limit, an
overdue decision, documentation or review), so the report and the state cannot disagree; the
id is the kind and the record, so a repeated handler raises the same alert once.
"""

from __future__ import annotations

from sqlalchemy import insert

from scomm.adapters.tables import alerts
from scomm.adapters.uow import UnitOfWork


def raise_alert(uow: UnitOfWork, kind: str, ref_id: str, fips5: str | None,
                detail: str) -> None:
    uow.conn.execute(insert(alerts).values(alert_id=f"{kind}:{ref_id}", kind=kind,
                                           ref_id=ref_id, fips5=fips5, at=uow.now(),
                                           detail=detail))
