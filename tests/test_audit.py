"""The audit chain detects altered, removed, reordered and truncated entries (invariant 8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, text, update
from typer.testing import CliRunner

from scomm.adapters import audit
from scomm.adapters.clock import ManualClock
from scomm.adapters.tables import audit_head, audit_log
from scomm.adapters.uow import UnitOfWork
from scomm.domain.errors import AuditChainBroken
from scomm.entrypoints.cli import app


def _write(engine: Engine, n: int) -> None:
    clock = ManualClock(datetime(2011, 5, 2, 8, tzinfo=UTC))
    for i in range(n):
        clock.advance_to(clock.now() + timedelta(minutes=1))
        with UnitOfWork(engine, clock, actor="agency:lesc") as uow:
            uow.audit("read", "source:CIS", f"I{i:09d}", {"case_id": f"C-{i}"})
            uow.audit("write", "dossier", f"C-{i}")
            uow.commit()


def test_intact_chain_verifies(engine: Engine) -> None:
    _write(engine, 5)
    with engine.connect() as conn:
        report = audit.verify(conn)
    assert report.entries == 10


@pytest.mark.parametrize("tamper, first_bad", [
    (lambda c: c.execute(update(audit_log).where(audit_log.c.seq == 4)
                         .values(entity_id="I999999999")), 4),
    (lambda c: c.execute(update(audit_log).where(audit_log.c.seq == 7)
                         .values(at=datetime(2011, 5, 2, 9, tzinfo=UTC))), 7),
    (lambda c: c.execute(delete(audit_log).where(audit_log.c.seq == 3)), 3),
    (lambda c: c.execute(delete(audit_log).where(audit_log.c.seq == 10)), 10),
])
def test_tampering_is_detected_at_the_first_bad_entry(engine: Engine, tamper: object,
                                                       first_bad: int) -> None:
    _write(engine, 5)
    with engine.begin() as conn:
        tamper(conn)  # type: ignore[operator]
    with engine.connect() as conn, pytest.raises(AuditChainBroken) as exc:
        audit.verify(conn)
    assert exc.value.seq == first_bad


def test_reordering_is_detected(engine: Engine) -> None:
    _write(engine, 3)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(seq=-2))
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(seq=2))
        conn.execute(update(audit_log).where(audit_log.c.seq == -2).values(seq=3))
    with engine.connect() as conn, pytest.raises(AuditChainBroken) as exc:
        audit.verify(conn)
    assert exc.value.seq == 2


def test_rewriting_the_whole_tail_still_fails_against_the_head(engine: Engine) -> None:
    _write(engine, 3)
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq > 4))
    with engine.connect() as conn, pytest.raises(AuditChainBroken, match="truncated"):
        audit.verify(conn)
    with engine.begin() as conn:
        conn.execute(delete(audit_head))
        conn.execute(text("DELETE FROM audit_log"))
    with engine.connect() as conn:
        assert audit.verify(conn).entries == 0


def test_cli_verify_exit_codes(tmp_path: Path, sqlite_engine: Engine) -> None:
    _write(sqlite_engine, 4)
    url = str(sqlite_engine.url)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--db", url])
    assert ok.exit_code == 0, ok.output
    assert "intact: 8 entries" in ok.output
    with sqlite_engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 5).values(action="delete"))
    bad = runner.invoke(app, ["audit", "verify", "--db", url])
    assert bad.exit_code == 1
    assert "entry 5" in bad.output
