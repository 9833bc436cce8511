"""Append-only, hash-chained audit log (DESIGN invariant 8).

Every read and write of a person's record appends one entry in the same transaction as the
work it records (Zulip's RealmAuditLog pattern), so an entry exists if and only if the work
committed. Entry ``n`` stores ``hash_n = SHA-256(hash_{n-1} || canonical(entry_n))``; altering,
removing or reordering any row breaks the chain from that row on, and ``verify`` names it.

The chain head lives in a one-row table that each writing transaction updates; on PostgreSQL
that row lock serialises appenders so two transactions can never extend the same head.

A chain alone does not stop someone who can write the database from rewriting history and
every hash after it. So the entries are also the leaves of an RFC 6962 Merkle tree, and
``checkpoint`` signs the tree head with a key kept outside the database (adapters/signing.py);
``verify`` checks every signed head against the entries, the consistency of each head with the
next, and inclusion proofs of a sample of entries, as a witness holding only the public key
would.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, insert, select, update

from scomm.adapters import merkle, signing
from scomm.adapters.tables import audit_checkpoints, audit_head, audit_log
from scomm.domain.errors import AuditChainBroken, InvalidInput

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
    checkpoints: int = 0
    signatures_checked: bool = False
    covered: int = 0
    inclusion_checked: int = 0


def _rows(conn: Connection, batch: int = 5000) -> Iterator[Any]:
    last = 0
    while True:
        rows = conn.execute(select(audit_log).where(audit_log.c.seq > last)
                            .order_by(audit_log.c.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = int(rows[-1].seq)


def _chain(conn: Connection) -> tuple[list[bytes], bytes]:
    """Recompute the chain from genesis, returning the Merkle leaves and the head hash; raise
    ``AuditChainBroken`` at the first bad entry."""
    prev, expected_seq, leaves = GENESIS, 1, []
    for row in _rows(conn):
        if row.seq != expected_seq:
            raise AuditChainBroken(expected_seq, f"missing or reordered: next stored is {row.seq}")
        if bytes(row.prev_hash) != prev:
            raise AuditChainBroken(row.seq, "previous-hash link does not match the entry before")
        body = canonical(row.seq, row.at, row.actor, row.action, row.entity, row.entity_id,
                         row.detail)
        h = chain(prev, body)
        if h != bytes(row.hash):
            raise AuditChainBroken(row.seq, "content does not match its hash (altered)")
        leaves.append(merkle.leaf_hash(body))
        prev, expected_seq = h, expected_seq + 1
    n = len(leaves)
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    if head is None and n:
        raise AuditChainBroken(n, "chain head record is missing")
    if head is not None and (int(head.seq) != n or bytes(head.hash) != prev):
        raise AuditChainBroken(min(int(head.seq), n) + 1,
                               f"chain head says {head.seq} entries, log holds {n} (truncated)")
    return leaves, prev


def _checkpoints(conn: Connection, tree: merkle.MerkleTree,
                 public: Ed25519PublicKey | None) -> list[signing.Checkpoint]:
    """Every stored tree head, checked against the entries and (with a key) its signature.

    A head that no longer matches means history before it was rewritten, even if the chain was
    recomputed to hide it; the entry named is the first after the previous good head."""
    heads: list[signing.Checkpoint] = []
    before = 0
    for row in conn.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.size)):
        try:
            cp = signing.open_note(row.note, public)
        except InvalidInput as exc:
            raise AuditChainBroken(before + 1, exc.problem) from None
        if cp.size != row.size or cp.root != bytes(row.root):
            raise AuditChainBroken(before + 1, f"checkpoint row at {row.size} differs from "
                                   "its signed note")
        if cp.size > tree.size:
            raise AuditChainBroken(tree.size + 1, f"a checkpoint was signed at {cp.size} "
                                   f"entries, the log holds {tree.size} (truncated)")
        if tree.root(cp.size) != cp.root:
            raise AuditChainBroken(before + 1, f"entries {before + 1}..{cp.size} do not match "
                                   "the signed checkpoint (altered, removed or reordered)")
        if heads and not merkle.verify_consistency(
                heads[-1].size, cp.size, heads[-1].root, cp.root,
                tree.consistency_proof(heads[-1].size, cp.size)):
            raise AuditChainBroken(before + 1, f"checkpoint at {cp.size} is not consistent "
                                   f"with the one at {heads[-1].size}")
        heads.append(cp)
        before = cp.size
    return heads


def _inclusion(tree: merkle.MerkleTree, leaves: list[bytes], head: signing.Checkpoint,
               sample: int) -> int:
    """Inclusion proofs of entries under the newest head: all of them for a small log, else an
    evenly spread sample with the first and last; returns how many were checked."""
    step = max(1, head.size // sample)
    picks = sorted({*range(0, head.size, step), head.size - 1})
    for i in picks:
        if not merkle.verify_inclusion(i, head.size, leaves[i], tree.inclusion_proof(
                i, head.size), head.root):
            raise AuditChainBroken(i + 1, "entry is not included in the signed tree head")
    return len(picks)


def verify(conn: Connection, public: Ed25519PublicKey | None = None,
           sample: int = 1000) -> VerifyReport:
    """The chain, every signed tree head (signatures too when ``public`` is given), the
    consistency of consecutive heads and a sample of inclusion proofs."""
    leaves, head_hash = _chain(conn)
    tree = merkle.MerkleTree(leaves)
    heads = _checkpoints(conn, tree, public)
    checked = _inclusion(tree, leaves, heads[-1], sample) if heads else 0
    return VerifyReport(entries=len(leaves), head_hash=head_hash.hex(), checkpoints=len(heads),
                        signatures_checked=public is not None and bool(heads),
                        covered=heads[-1].size if heads else 0, inclusion_checked=checked)


def checkpoint(conn: Connection, key: Ed25519PrivateKey, at: datetime) -> signing.Checkpoint:
    """Sign the current tree head, after verifying the log against the heads already signed:
    a key holder must never sign over history that has been tampered with."""
    leaves, _ = _chain(conn)
    tree = merkle.MerkleTree(leaves)
    heads = _checkpoints(conn, tree, key.public_key())
    if heads and heads[-1].size == tree.size:
        return heads[-1]
    note = signing.sign(key, tree.size, tree.root())
    conn.execute(insert(audit_checkpoints).values(size=tree.size, root=tree.root(), note=note,
                                                  signed_at=at))
    return signing.open_note(note, key.public_key())
