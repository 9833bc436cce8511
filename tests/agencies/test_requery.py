"""A field officer may query a source again only with a reason; the repeat is counted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from scomm.adapters import db
from scomm.adapters.clock import ManualClock
from scomm.adapters.tables import cases, source_queries
from scomm.bootstrap import bootstrap
from scomm.domain.errors import InvalidInput
from scomm.domain.messages import RequerySource, mid


def _counts(engine: Any, case_id: str) -> tuple[int, int]:
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(source_queries).where(
            source_queries.c.case_id == case_id)).scalar_one()
        repeats = conn.execute(select(func.count()).select_from(source_queries).where(
            source_queries.c.case_id == case_id, source_queries.c.repeat.is_(True))).scalar_one()
    return int(total), int(repeats)


def test_requery_needs_a_reason_and_is_counted(tiny_run: Any) -> None:
    engine = db.make_engine(db.default_url(tiny_run.out_dir))
    with engine.connect() as conn:
        case_id = conn.execute(select(cases.c.case_id).limit(1)).scalar_one()
    system = bootstrap(engine, ManualClock(datetime(2011, 9, 1, tzinfo=UTC)))
    before = _counts(engine, case_id)

    def requery(n: int, source: str, reason: str | None) -> bool:
        return system.bus.handle(RequerySource(
            message_id=mid("RequerySource", f"{case_id}:{n}"), occurred_at=system.clock.now(),
            case_id=case_id, officer="ELP-001", source=source, reason=reason))

    for n, (source, reason) in enumerate([("CIS", None), ("CIS", "  "), ("MARS", "why")]):
        with pytest.raises(InvalidInput):
            requery(n, source, reason)
    assert _counts(engine, case_id) == before  # refused: nothing changed
    assert requery(10, "CIS", "court says the A-file status changed last week")
    total, repeats = _counts(engine, case_id)
    assert (total, repeats) == (before[0] + 1, before[1] + 1)
    with engine.connect() as conn:
        row = conn.execute(select(source_queries).where(
            source_queries.c.case_id == case_id, source_queries.c.repeat.is_(True))
            .order_by(source_queries.c.query_id.desc()).limit(1)).one()
    assert (row.stage, row.reason) == ("field_office", "court says the A-file status changed "
                                                       "last week")
    engine.dispose()
