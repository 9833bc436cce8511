"""Complaints: every step dated and audited, the complainant known only to CRCL's reviewers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, func, select

from scomm.adapters.clock import ManualClock
from scomm.adapters.tables import audit_log, complaint_steps, complaints
from scomm.agencies.crcl import REVIEWER, Forbidden, complainant
from scomm.bootstrap import System, bootstrap
from scomm.domain.errors import IllegalTransition, InvalidInput
from scomm.domain.messages import AdvanceComplaint, FileComplaint, mid
from scomm.oversight.complaints import by_jurisdiction_quarter

T0 = datetime(2012, 2, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def system(sqlite_engine: Engine) -> System:
    return bootstrap(sqlite_engine, ManualClock(T0))


def _file(system: System, cid: str = "K-1", key: str = "", **kw: Any) -> bool:
    fields = {"channel": "jail", "category": "citizen_detained", "fips5": "35013",
              "allegation": "held on a detainer although born in Las Cruces",
              "complainant_name": "Ana Tolemi", "complainant_contact": "c/o county jail", **kw}
    return system.bus.handle(FileComplaint(message_id=mid("FileComplaint", cid, key),
                                           occurred_at=system.clock.now(), complaint_id=cid,
                                           **fields))


def _step(system: System, step: str, n: int, role: str = REVIEWER, **kw: Any) -> None:
    assert isinstance(system.clock, ManualClock)
    system.clock.advance_to(T0 + timedelta(days=n))
    system.bus.handle(AdvanceComplaint(
        message_id=mid("AdvanceComplaint", "K-1", step, n), occurred_at=system.clock.now(),
        complaint_id="K-1", step=step, actor="R. Veldo", role=role, note=f"{step} done", **kw))


def test_a_complaint_from_intake_to_closure(system: System) -> None:
    _file(system)
    _step(system, "triage", 1, priority="high")
    _step(system, "review", 2)
    _step(system, "refer_doj", 5)
    _step(system, "corrective_action", 30)
    _step(system, "close", 40, finding="substantiated")
    with system.engine.connect() as conn:
        row = conn.execute(select(complaints)).one()
        steps = conn.execute(select(complaint_steps.c.step, complaint_steps.c.at)
                             .order_by(complaint_steps.c.seq)).all()
        audited = conn.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.entity == "complaint")).scalar_one()
    assert (row.state, row.priority, row.finding) == ("closed", "high", "substantiated")
    assert [s.step for s in steps] == ["intake", "triage", "review", "refer_doj",
                                       "corrective_action", "close"]
    assert [s.at.replace(tzinfo=UTC) for s in steps][-1] == T0 + timedelta(days=40)
    assert audited == 6
    with system.engine.connect() as conn:
        assert by_jurisdiction_quarter(conn) == {("35013", "2012Q1", "citizen_detained"): 1}


def test_the_wrong_role_or_order_changes_nothing(system: System) -> None:
    _file(system)
    with pytest.raises(Forbidden):
        _step(system, "triage", 1, role="field_officer", priority="high")
    with pytest.raises(IllegalTransition):
        _step(system, "close", 1, finding="withdrawn")
    with pytest.raises(InvalidInput, match="priority"):
        _step(system, "triage", 1)
    assert not _file(system)  # the same message again: delivered once
    with pytest.raises(InvalidInput, match="already on file"):
        _file(system, key="again")
    with pytest.raises(ValidationError):
        _file(system, "K-2", fips5="3501")
    with system.engine.connect() as conn:
        assert conn.execute(select(complaints.c.state)).scalars().all() == ["received"]
        assert conn.execute(select(func.count()).select_from(complaint_steps)).scalar_one() == 1


def test_only_the_reviewer_learns_who_complained(system: System) -> None:
    _file(system)
    with system.engine.begin() as conn:
        assert complainant(conn, "K-1", REVIEWER, "R. Veldo", T0) == ("Ana Tolemi",
                                                                      "c/o county jail")
    with system.engine.begin() as conn, pytest.raises(Forbidden):
        complainant(conn, "K-1", "field_officer", "ELP-001", T0)
    with system.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action).where(
            audit_log.c.entity == "complainant").order_by(audit_log.c.seq)).scalars().all()
    assert actions == ["read", "denied"]


def test_the_doj_export_carries_the_referral_but_not_the_complainant(
        system: System, tmp_path: Path) -> None:
    from scomm.oversight.costs import load_per_diem
    from scomm.oversight.quarter import Quarter, build

    _file(system)
    _step(system, "triage", 1, priority="high")
    _step(system, "review", 2)
    _step(system, "refer_doj", 5)
    with system.engine.connect() as conn:
        build(conn, Quarter.parse("2012Q1"), tmp_path, load_per_diem())
    doj = json.loads((tmp_path / "doj_export_2012Q1.json").read_text())
    assert [c["complaint_id"] for c in doj["complaints_referred"]] == ["K-1"]
    for f in tmp_path.iterdir():
        if f.suffix in (".json", ".csv", ".html"):
            assert "Ana Tolemi" not in f.read_text(), f.name
