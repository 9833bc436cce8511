"""The audit chain detects altered, removed, reordered and truncated entries (invariant 8)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, delete, func, select, text, update
from typer.testing import CliRunner

from scomm.adapters import audit, signing
from scomm.adapters.clock import ManualClock
from scomm.adapters.tables import audit_checkpoints, audit_head, audit_log
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


def _rechain(conn: Connection) -> None:
    """What an attacker with write access to the database does after editing entries:
    recompute every hash and the head, so the chain alone verifies again."""
    prev = audit.GENESIS
    rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).all()
    for new_seq, row in enumerate(rows, start=1):
        h = audit.chain(prev, audit.canonical(new_seq, row.at, row.actor, row.action,
                                              row.entity, row.entity_id, row.detail))
        conn.execute(update(audit_log).where(audit_log.c.seq == row.seq)
                     .values(seq=new_seq, prev_hash=prev, hash=h))
        prev = h
    conn.execute(update(audit_head).values(seq=len(rows), hash=prev))


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _signed(engine: Engine, key: Ed25519PrivateKey, batches: tuple[int, ...]) -> None:
    at = datetime(2011, 6, 1, tzinfo=UTC)
    for n in batches:
        _write(engine, n)
        with engine.begin() as conn:
            audit.checkpoint(conn, key, at)


def test_signed_checkpoints_verify_with_proofs(engine: Engine, key: Ed25519PrivateKey) -> None:
    _signed(engine, key, (3, 4, 5))
    _write(engine, 1)
    with engine.connect() as conn:
        report = audit.verify(conn, key.public_key())
    assert (report.entries, report.checkpoints, report.covered) == (26, 3, 24)
    assert report.signatures_checked and report.inclusion_checked == 24


@pytest.mark.parametrize("tamper, first_bad", [
    (lambda c: c.execute(update(audit_log).where(audit_log.c.seq == 9)
                         .values(entity_id="I999999999")), 7),
    (lambda c: c.execute(delete(audit_log).where(audit_log.c.seq == 2)), 1),
    (lambda c: c.execute(update(audit_log).where(audit_log.c.seq.in_([15, 16]))
                         .values(seq=-audit_log.c.seq)), 15),
])
def test_a_rewritten_history_fails_against_the_signed_heads(
        engine: Engine, key: Ed25519PrivateKey, tamper: object, first_bad: int) -> None:
    """The chain recomputed over an altered, removed or reordered entry verifies on its own;
    the signed tree heads do not, and the range named holds the tampered entry."""
    _signed(engine, key, (3, 4, 5))
    with engine.begin() as conn:
        tamper(conn)  # type: ignore[operator]
        if first_bad == 15:  # put the two swapped entries back in reverse order
            conn.execute(update(audit_log).where(audit_log.c.seq == -15).values(seq=16))
            conn.execute(update(audit_log).where(audit_log.c.seq == -16).values(seq=15))
        _rechain(conn)
    with engine.connect() as conn:
        audit._chain(conn)  # the attacker's chain is consistent
        with pytest.raises(AuditChainBroken, match="signed checkpoint") as exc:
            audit.verify(conn, key.public_key())
    assert exc.value.seq == first_bad


def test_a_checkpoint_not_signed_by_the_key_is_refused(engine: Engine,
                                                       key: Ed25519PrivateKey) -> None:
    _signed(engine, key, (3,))
    forger = Ed25519PrivateKey.generate()
    with engine.begin() as conn:
        note = conn.execute(select(audit_checkpoints.c.note)).scalar_one()
        root = base64.b64decode(note.split("\n")[2])
        forged = signing.sign(forger, 6, root)
        conn.execute(update(audit_checkpoints).values(note=forged))
    with engine.connect() as conn, pytest.raises(AuditChainBroken, match="no signature"):
        audit.verify(conn, key.public_key())
    with engine.connect() as conn:
        assert audit.verify(conn, forger.public_key()).checkpoints == 1


def test_no_checkpoint_is_signed_over_a_tampered_log(engine: Engine,
                                                     key: Ed25519PrivateKey) -> None:
    _signed(engine, key, (3,))
    _write(engine, 2)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(actor="x"))
        _rechain(conn)
    with engine.begin() as conn, pytest.raises(AuditChainBroken):
        audit.checkpoint(conn, key, datetime(2011, 7, 1, tzinfo=UTC))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_checkpoints)).scalar() == 1


def test_cli_keygen_checkpoint_verify(tmp_path: Path, sqlite_engine: Engine) -> None:
    _write(sqlite_engine, 4)
    url, keyfile = str(sqlite_engine.url), tmp_path / "keys" / "audit.pem"
    runner = CliRunner()
    assert runner.invoke(app, ["audit", "keygen", "--key", str(keyfile)]).exit_code == 0
    assert runner.invoke(app, ["audit", "keygen", "--key", str(keyfile)]).exit_code == 2
    signed = runner.invoke(app, ["audit", "checkpoint", "--db", url, "--key", str(keyfile)])
    assert signed.exit_code == 0 and "8 entries" in signed.output, signed.output
    pub = str(keyfile) + ".pub"
    ok = runner.invoke(app, ["audit", "verify", "--db", url, "--public-key", pub])
    assert ok.exit_code == 0 and "1 checkpoints (signatures checked)" in ok.output, ok.output
    with sqlite_engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 8))
        _rechain(conn)
    bad = runner.invoke(app, ["audit", "verify", "--db", url, "--public-key", pub])
    assert bad.exit_code == 1 and "truncated" in bad.output, bad.output
