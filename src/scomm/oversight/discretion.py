"""Discretion outcomes: matched people not detained because of a policy that spared them.

Three policies could leave an IDENT match without a detainer, and oversight asked how often
each did, where and when: the June 2011 discretion memoranda (an officer's override to no
action, approved by a supervisor), the victims-and-witnesses memorandum (rule
``VW-no-action``), and the April 2012 minor-traffic rule (a detainer operative only upon
conviction that ended without one). Each is read from the stored decision's own trace and
the detainer's end, so the count is what the system did, not what it was told.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, String, and_, cast, or_, select

from scomm.adapters.tables import cases, decisions, detainers
from scomm.oversight.complaints import quarter_of

REASONS = ("discretion", "victim_witness", "minor_traffic")


def _fired(trace: list[dict[str, str]], rule_id: str) -> bool:
    return any(t.get("rule_id") == rule_id for t in trace)


def outcomes(conn: Connection) -> dict[tuple[str, str], dict[str, int]]:
    """(fips5, quarter of the decision) -> matches spared by each policy."""
    out: dict[tuple[str, str], Counter[str]] = {}
    # The database narrows the decisions to those that could count (most do not); the exact
    # test below reads each one's trace.
    could = or_(and_(decisions.c.action == "no_action",
                     or_(decisions.c.approval == "approved",
                         cast(decisions.c.trace, String).like("%VW-no-action%"))),
                and_(decisions.c.action == "conditional_detainer",
                     detainers.c.state == "cancelled"))
    rows = conn.execute(
        select(cases.c.fips5, decisions.c.decided_at, decisions.c.action,
               decisions.c.approval, decisions.c.trace, detainers.c.state,
               detainers.c.operative_upon_conviction)
        .join(decisions, decisions.c.case_id == cases.c.case_id)
        .outerjoin(detainers, detainers.c.case_id == cases.c.case_id).where(could))
    for fips5, at, action, approval, trace, d_state, conditional in rows:
        reason = None
        if action == "no_action" and approval == "approved":
            reason = "discretion"
        elif action == "no_action" and _fired(trace, "VW-no-action"):
            reason = "victim_witness"
        elif (action == "conditional_detainer" and conditional and d_state == "cancelled"):
            reason = "minor_traffic"
        if reason is not None:
            out.setdefault((fips5, quarter_of(at.month, at.year)), Counter())[reason] += 1
    return {k: {r: v[r] for r in REASONS} for k, v in sorted(out.items())}
