"""Append-only, hash-chained audit log (DESIGN invariant 8).

Every read and write of a person's record appends one entry in the same transaction as the
work it records (Zulip's RealmAuditLog pattern), so an entry exists if and only if the work
committed. Entry ``n`` stores ``hash_n = SHA-256(hash_{n-1} || canonical(entry_n))``; altering,
removing or reordering any row breaks the chain from that row on, and ``verify`` names it.

The chain head lives in a one-row table that each writing transaction updates; on PostgreSQL
that row lock serialises appenders so two transactions can never extend the same head.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from scomm.adapters.tables import audit_head, audit_log
from scomm.domain.errors import AuditChainBroken

GENESIS = bytes(32)


def canonical(seq: int, at: datetime, actor: str, action: str, entity: str, entity_id: str,
              detail: str) -> bytes:
    """The bytes an entry's hash covers; instants are normalised to UTC microseconds."""
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps([seq, stamp, actor, action, entity, entity_id, detail],
                      separators=(",", ":"), ensure_ascii=False).encode()


def chain(prev: bytes, body: bytes) -> bytes:
    return hashlib.sha256(prev + body).digest()


class AuditWriter:
    """Buffers a transaction's audit entries and writes them, chained, before commit."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._rows: list[dict[str, Any]] = []

    def append(self, at: datetime, actor: str, action: str, entity: str, entity_id: str,
               detail: dict[str, Any] | None = None) -> None:
        self._rows.append({"at": at, "actor": actor, "action": action, "entity": entity,
                           "entity_id": entity_id,
                           "detail": json.dumps(detail or {}, sort_keys=True, default=str)})

    def flush(self) -> None:
        if not self._rows:
            return
        head = self._conn.execute(
            select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
            .with_for_update()
        ).first()
        seq, prev = (int(head.seq), bytes(head.hash)) if head else (0, GENESIS)
        out = []
        for row in self._rows:
            seq += 1
            h = chain(prev, canonical(seq, row["at"], row["actor"], row["action"],
                                      row["entity"], row["entity_id"], row["detail"]))
            out.append({**row, "seq": seq, "prev_hash": prev, "hash": h})
            prev = h
        self._conn.execute(insert(audit_log), out)
        if head:
            self._conn.execute(update(audit_head).where(audit_head.c.id == 1)
                               .values(seq=seq, hash=prev))
        else:
            self._conn.execute(insert(audit_head).values(id=1, seq=seq, hash=prev))
        self._rows.clear()


@dataclass(frozen=True)
class VerifyReport:
    entries: int
    head_hash: str


def _rows(conn: Connection, batch: int = 5000) -> Iterator[Any]:
    last = 0
    while True:
        rows = conn.execute(select(audit_log).where(audit_log.c.seq > last)
                            .order_by(audit_log.c.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = int(rows[-1].seq)


def verify(conn: Connection) -> VerifyReport:
    """Recompute the chain from genesis; raise ``AuditChainBroken`` at the first bad entry."""
    prev, expected_seq, n = GENESIS, 1, 0
    for row in _rows(conn):
        if row.seq != expected_seq:
            raise AuditChainBroken(expected_seq, f"missing or reordered: next stored is {row.seq}")
        if bytes(row.prev_hash) != prev:
            raise AuditChainBroken(row.seq, "previous-hash link does not match the entry before")
        h = chain(prev, canonical(row.seq, row.at, row.actor, row.action, row.entity,
                                  row.entity_id, row.detail))
        if h != bytes(row.hash):
            raise AuditChainBroken(row.seq, "content does not match its hash (altered)")
        prev, expected_seq, n = h, expected_seq + 1, n + 1
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    if head is None and n:
        raise AuditChainBroken(n, "chain head record is missing")
    if head is not None and (int(head.seq) != n or bytes(head.hash) != prev):
        raise AuditChainBroken(min(int(head.seq), n) + 1,
                               f"chain head says {head.seq} entries, log holds {n} (truncated)")
    return VerifyReport(entries=n, head_hash=prev.hex())
