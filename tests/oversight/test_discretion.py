"""Discretion outcomes are read from what the system did: trace, ruling, detainer end."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert

from scomm.adapters.tables import cases, decisions, detainers
from scomm.oversight.discretion import outcomes

T0 = datetime(2012, 5, 2, 12, 0, tzinfo=UTC)


def _rows(n: int, action: str, approval: str = "none", rules: tuple[str, ...] = ()
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    case = {"case_id": f"C-{n}", "booking_id": f"B-{n}", "ident_id": f"I-{n}",
            "fbi_number": f"F{n}", "ori": "NM0130000", "fips5": "35013", "aor": "ELP",
            "booked_at": T0, "opened_at": T0, "due_at": T0, "state": "closed",
            "status": "overstay", "offense_level": 3, "charges": [], "lea_receives": True}
    decision = {"case_id": f"C-{n}", "policy_version": "v", "priority": None,
                "conviction_level": None, "offense_level": 3, "recommended_action": action,
                "action": action, "reason": "r", "trace": [{"rule_id": r} for r in rules],
                "facts": {}, "followed_recommendation": approval == "none",
                "override_reason": None, "officer": "ELP-001", "decided_at": T0,
                "approval": approval, "amendments": []}
    return case, decision


def test_each_policy_is_counted_from_its_own_evidence(sqlite_engine: Engine) -> None:
    made = [_rows(1, "no_action", "approved"), _rows(2, "no_action", rules=("VW-no-action",)),
            _rows(3, "conditional_detainer", rules=("MT-conditional-detainer",)),
            _rows(4, "conditional_detainer", rules=("MT-conditional-detainer",)),
            _rows(5, "no_action"), _rows(6, "detainer")]
    with sqlite_engine.begin() as conn:
        conn.execute(insert(cases), [c for c, _ in made])
        conn.execute(insert(decisions), [d for _, d in made])
        conn.execute(insert(detainers), [
            {"detainer_id": f"D-C-{n}", "case_id": f"C-{n}", "booking_id": f"B-{n}",
             "fips5": "35013", "issued_at": T0, "operative_upon_conviction": True,
             "state": state, "past_limit": False, "extra_jail_days": 0}
            for n, state in ((3, "cancelled"), (4, "assumed"))])
        assert outcomes(conn) == {("35013", "2012Q2"): {"discretion": 1, "victim_witness": 1,
                                                        "minor_traffic": 1}}
