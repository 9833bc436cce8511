"""Measure the run against ground truth. Only here do records meet the truth (invariant 1).

Every figure is computed from the store after the run: what the system did (bookings,
searches, cases, decisions, detainers, custody) joined through ``sim_bookings`` to who each
person really is. A U.S. citizen held on a detainer is counted, never hidden.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from scomm.adapters.tables import (
    alerts,
    bookings,
    cases,
    criminal_searches,
    custody,
    decisions,
    detainers,
    hotline_reviews,
    immigration_searches,
    source_queries,
)
from scomm.policy.evaluator import decide
from scomm.sim.nation import CITIZEN_STATUSES, Nation, claim_is_true, is_victim_or_witness
from scomm.sim.true_facts import true_facts, true_status
from scomm.sim.truth import sim_bookings

#: DESIGN's measured safeguards and their targets (issue #5): at most, or at least for a share.
TARGETS: dict[str, float] = {
    "uscs_detained": 0, "detainers_past_limit": 0, "matches_undocumented_at_close": 0,
    "repeat_research_without_reason": 0, "decisions_consistent_with_policy": 0.999,
    "hotline_reviews_overdue": 0}
AT_LEAST = frozenset({"decisions_consistent_with_policy"})


def _count(conn: Connection, stmt: Any) -> int:
    return int(conn.execute(stmt).scalar_one() or 0)


def evaluate(conn: Connection, nation: Nation, booking_codes: Mapping[str, tuple[str, ...]]
             ) -> dict[str, Any]:
    person_of = {r[0]: r[1] for r in conn.execute(
        select(sim_bookings.c.booking_id, sim_bookings.c.person_id))}
    people = nation.by_id

    def truth(booking_id: str) -> Any:
        return people[person_of[booking_id]]

    m: dict[str, Any] = {}
    m["bookings"] = _count(conn, select(func.count()).select_from(bookings))
    m["submissions"] = _count(conn, select(func.count()).select_from(criminal_searches).where(
        criminal_searches.c.shared_with_ident.is_(True)))
    m["ident_matches"] = _count(conn, select(func.count()).select_from(
        immigration_searches).where(immigration_searches.c.matched.is_(True)))

    # -- biometric identification errors against truth
    true_hit = false_hit = missed = 0
    for booking_id, matched, ident_id in conn.execute(select(
            immigration_searches.c.booking_id, immigration_searches.c.matched,
            immigration_searches.c.ident_id)):
        p = truth(booking_id)
        if matched and ident_id == p.ident_id:
            true_hit += 1
        elif matched:
            false_hit += 1
        elif p.ident_id is not None:
            missed += 1
    m["ident_true_matches"], m["ident_false_matches"], m["ident_missed_matches"] = (
        true_hit, false_hit, missed)
    known: dict[str, str] = {p.person_id: p.fbi_number for p in people.values()
                             if p.fbi_number is not None}
    iafis_false = iafis_missed = 0
    for booking_id, fbi, new in conn.execute(select(
            criminal_searches.c.booking_id, criminal_searches.c.fbi_number,
            criminal_searches.c.new_identity).join(
            bookings, bookings.c.booking_id == criminal_searches.c.booking_id)
            .order_by(bookings.c.booked_at)):
        pid = person_of[booking_id]
        expected = known.get(pid)
        if expected is None and not new:
            iafis_false += 1
        elif expected is not None and new:
            iafis_missed += 1
        elif expected is not None and fbi != expected:
            iafis_false += 1
        known.setdefault(pid, fbi)
    m["iafis_false_matches"], m["iafis_missed_matches"] = iafis_false, iafis_missed

    # -- support-center determinations
    determined = Counter[str]()
    for booking_id, status in conn.execute(select(cases.c.booking_id, cases.c.status)):
        p = truth(booking_id)
        determined["correct" if true_status(p) == status else "wrong"] += 1
    m["status_determinations"] = sum(determined.values())
    m["status_determinations_wrong"] = determined["wrong"]

    # -- decisions vs policy applied to the true facts
    assessed = consistent = 0
    moved = Counter[str]()
    misses: dict[str, list[str]] = {name: [] for name in TARGETS}
    share = float(nation.params["victim_or_witness_share"])
    for case_id, booking_id, action, decided_at, approval in conn.execute(
            select(cases.c.case_id, cases.c.booking_id, decisions.c.action,
                   decisions.c.decided_at, decisions.c.approval)
            .join(decisions, decisions.c.case_id == cases.c.case_id)):
        if approval == "pending":
            continue  # not yet a decision: the case counts as undocumented instead
        p = truth(booking_id)
        day: date = decided_at.date()
        ideal = decide(true_facts(p, booking_codes.get(booking_id, ()), day,
                                  is_victim_or_witness(p, share)), on=day).action
        assessed += 1
        if ideal == action:
            consistent += 1
        else:
            moved[f"{ideal}->{action}"] += 1
            misses["decisions_consistent_with_policy"].append(case_id)
    m["decisions"] = assessed
    m["matches_undecided"] = _count(conn, select(func.count()).select_from(cases)
                                    .where(cases.c.state == "open"))
    m["decisions_consistent"] = consistent
    m["decisions_consistent_with_policy"] = round(consistent / assessed, 4) if assessed else None
    m["decision_mismatches"] = dict(sorted(moved.items()))

    # -- detainers, holds, citizens
    m["detainers"] = _count(conn, select(func.count()).select_from(detainers))
    m["detainers_by_state"] = dict(sorted((str(k), int(v)) for k, v in conn.execute(
        select(detainers.c.state, func.count()).group_by(detainers.c.state))))
    m["detainers_past_limit"] = _count(conn, select(func.count()).select_from(detainers).where(
        detainers.c.past_limit.is_(True)))
    m["extra_jail_days"] = _count(conn, select(func.sum(detainers.c.extra_jail_days)))
    uscs_detainer = 0
    for case_id, booking_id, state, held, past in conn.execute(select(
            detainers.c.case_id, detainers.c.booking_id, detainers.c.state,
            detainers.c.held_hours, detainers.c.past_limit)):
        if past:
            misses["detainers_past_limit"].append(case_id)
        if truth(booking_id).status in CITIZEN_STATUSES:
            uscs_detainer += 1
            if state == "assumed" or (held or 0) > 0:
                misses["uscs_detained"].append(case_id)
    m["uscs_with_detainer"] = uscs_detainer
    m["uscs_detained"] = len(misses["uscs_detained"])

    # -- documentation and research
    misses["matches_undocumented_at_close"] = list(conn.execute(select(cases.c.case_id).where(
        cases.c.state != "closed").order_by(cases.c.case_id)).scalars())
    m["matches_undocumented_at_close"] = len(misses["matches_undocumented_at_close"])
    m["repeated_source_queries"] = _count(conn, select(func.count()).select_from(
        source_queries).where(source_queries.c.repeat.is_(True)))
    unexplained = list(conn.execute(select(source_queries.c.case_id).where(
        source_queries.c.repeat.is_(True),
        func.coalesce(func.trim(source_queries.c.reason), "") == "")).scalars())
    misses["repeat_research_without_reason"] = sorted(set(unexplained))
    m["repeat_research_without_reason"] = len(unexplained)
    m["source_queries_unanswered"] = _count(conn, select(func.count()).select_from(
        source_queries).where(source_queries.c.available.is_(False)))
    m["source_query_latency_ms_p50"] = _median(conn.execute(select(
        source_queries.c.latency_ms).where(source_queries.c.available.is_(True))).scalars())
    m["overrides"] = dict(sorted((k, int(v)) for k, v in conn.execute(
        select(decisions.c.approval, func.count()).where(decisions.c.approval != "none")
        .group_by(decisions.c.approval))))
    m.update(_hotline(conn, truth, share, misses))
    m["alerts"] = dict(sorted((k, int(v)) for k, v in conn.execute(
        select(alerts.c.kind, func.count()).group_by(alerts.c.kind))))

    # -- custody outcomes
    m["ice_custody"] = _count(conn, select(func.count()).select_from(custody))
    m["removals"] = _count(conn, select(func.count()).select_from(custody).where(
        custody.c.outcome == "removed"))
    m["removals_by_category"] = dict(sorted((k, int(v)) for k, v in conn.execute(
        select(custody.c.removal_category, func.count()).where(custody.c.outcome == "removed")
        .group_by(custody.c.removal_category))))
    m["outcomes"] = dict(sorted((k or "pending", int(v)) for k, v in conn.execute(
        select(custody.c.outcome, func.count()).group_by(custody.c.outcome))))
    removed_citizens = 0
    for booking_id, outcome in conn.execute(select(custody.c.booking_id, custody.c.outcome)):
        if outcome == "removed" and truth(booking_id).status in CITIZEN_STATUSES:
            removed_citizens += 1
    m["uscs_removed"] = removed_citizens
    m["targets"] = {name: {"value": m[name], "target": target,
                           "met": (m[name] is None or m[name] >= target) if name in AT_LEAST
                           else m[name] <= target,
                           "cases": misses[name]}
                    for name, target in TARGETS.items()}
    return m


def _median(values: Iterable[int]) -> int | None:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else None


def _hotline(conn: Connection, truth: Callable[[str], Any], share: float,
             misses: dict[str, list[str]]) -> dict[str, Any]:
    """Hotline and victim/witness reviews: how many, how many late, and how many concluded
    against the truth (a citizen's claim rejected, a false claim upheld)."""
    out: Counter[str] = Counter()
    for call_id, booking_id, claim, state, outcome, due, done in conn.execute(select(
            hotline_reviews.c.call_id, hotline_reviews.c.booking_id, hotline_reviews.c.claim,
            hotline_reviews.c.state, hotline_reviews.c.outcome, hotline_reviews.c.due_at,
            hotline_reviews.c.completed_at).order_by(hotline_reviews.c.call_id)):
        out["hotline_reviews"] += 1
        if due is None:
            continue
        if state != "closed" or done > due:
            misses["hotline_reviews_overdue"].append(call_id)
        if outcome in ("substantiated", "not_substantiated"):
            true_claim = claim_is_true(truth(booking_id), claim, share)
            out["hotline_upheld"] += outcome == "substantiated"
            out["hotline_reviews_wrong"] += (outcome == "substantiated") != true_claim
    return {"hotline_reviews": out["hotline_reviews"], "hotline_upheld": out["hotline_upheld"],
            "hotline_reviews_wrong": out["hotline_reviews_wrong"],
            "hotline_reviews_overdue": len(misses["hotline_reviews_overdue"])}
