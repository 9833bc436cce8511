"""Stored decisions, read back for oversight: explain one case, replay all under other rules.

A decision row keeps the facts it read (with their sources), the policy version and the rule
trace (DESIGN invariant 3), so a reviewer can check it without the field office: ``explain``
re-decides the case under its own version and reports whether the stored trace is reproduced;
``replay`` re-decides every stored case under the rules of another date. Both are reads of
people's records, so both are audited (invariant 8); the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from scomm.adapters.audit import AuditWriter
from scomm.adapters.tables import decisions
from scomm.domain.errors import InvalidInput
from scomm.policy.evaluator import Decision, RuleFired, decide
from scomm.policy.facts import DecisionFacts
from scomm.policy.versions import Replay, StoredDecision, replay

READ_BATCH = 2000


def _stored(row: Any) -> StoredDecision:
    return StoredDecision(
        case_id=row.case_id, decided_on=row.decided_at.date(), policy_version=row.policy_version,
        facts=DecisionFacts.model_validate(row.facts), recommended_action=row.recommended_action,
        priority=row.priority, conviction_level=row.conviction_level)


@dataclass(frozen=True, slots=True)
class Explanation:
    """A stored decision with its trace, and the same facts re-decided under the same rules."""

    decided_at: dt.datetime
    officer: str
    action: str
    followed_recommendation: bool
    override_reason: str | None
    stored: StoredDecision
    reason: str
    trace: tuple[RuleFired, ...]
    redecided: Decision
    approval: str = "none"
    requested_action: str | None = None
    supervisor: str | None = None
    review_note: str | None = None
    amendments: tuple[dict[str, Any], ...] = ()

    @property
    def reproduced(self) -> bool:
        """Whether the same facts and date give the stored version, outcome and trace."""
        r = self.redecided
        return (r.policy_version == self.stored.policy_version
                and r.action == self.stored.recommended_action
                and r.priority == self.stored.priority
                and r.conviction_level == self.stored.conviction_level
                and r.trace == self.trace)


def explain(conn: Connection, case_id: str, *, actor: str, at: dt.datetime) -> Explanation:
    """The stored decision of ``case_id``, re-checked under the rules of its own date."""
    row = conn.execute(select(decisions).where(decisions.c.case_id == case_id)).first()
    if row is None:
        raise InvalidInput("case_id", f"no decision is stored for case {case_id!r}")
    audit = AuditWriter(conn)
    audit.append(at, actor, "read", "decision", case_id)
    audit.flush()
    stored = _stored(row)
    trace = tuple(RuleFired.model_validate(t) for t in row.trace)
    return Explanation(
        decided_at=row.decided_at, officer=row.officer, action=row.action,
        followed_recommendation=row.followed_recommendation,
        override_reason=row.override_reason, stored=stored, reason=row.reason, trace=trace,
        redecided=decide(stored.facts, stored.decided_on), approval=row.approval,
        requested_action=row.requested_action, supervisor=row.supervisor,
        review_note=row.review_note,
        amendments=tuple(row.amendments or ()))


def _all(conn: Connection) -> Iterator[StoredDecision]:
    last = ""
    while True:
        rows = conn.execute(select(decisions).where(decisions.c.case_id > last)
                            .order_by(decisions.c.case_id).limit(READ_BATCH)).all()
        if not rows:
            return
        yield from (_stored(r) for r in rows)
        last = rows[-1].case_id


def replay_stored(conn: Connection, policy_on: dt.date, *, actor: str,
                  at: dt.datetime) -> Replay:
    """Every stored decision re-decided under the rules in force on ``policy_on``."""
    result = replay(_all(conn), policy_on)
    audit = AuditWriter(conn)
    audit.append(at, actor, "read", "decisions", "*",
                 {"replayed_under": result.policy_version, "cases": result.cases})
    audit.flush()
    return result
