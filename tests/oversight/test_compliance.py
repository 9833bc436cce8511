"""The OIG rec. 2 compliance report: undocumented matches per office and month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert
from typer.testing import CliRunner

from scomm.adapters.tables import alerts, cases, dispositions, encounters
from scomm.entrypoints.cli import app
from scomm.oversight.compliance import by_office, compliance, outside_limits

T0 = datetime(2011, 3, 10, 12, 0, tzinfo=UTC)


def _case(n: int, aor: str, opened: datetime) -> dict[str, object]:
    return {"case_id": f"C-{n}", "booking_id": f"B-{n}", "ident_id": f"I-{n}",
            "fbi_number": f"F{n}", "ori": "NM0130000", "fips5": "35013", "aor": aor,
            "booked_at": opened, "opened_at": opened, "due_at": opened, "state": "decided",
            "status": "overstay", "offense_level": 3, "charges": [], "lea_receives": True}


def _fixture(engine: Engine) -> None:
    """ELP: 40 matches in March, 2 undocumented, 1 documented late; PHI: 20 in March and
    April, 12 undocumented (far above what chance allows at the national share)."""
    rows = [_case(i, "ELP", T0) for i in range(40)]
    rows += [_case(100 + i, "PHI", T0 + timedelta(days=25 * (i % 2))) for i in range(20)]
    undocumented = {0, 1} | {100 + i for i in range(12)}
    with engine.begin() as conn:
        conn.execute(insert(cases), rows)
        documented = [r["case_id"] for r in rows if int(str(r["case_id"])[2:]) not in
                      undocumented]
        later = T0 + timedelta(days=40)
        conn.execute(insert(encounters), [
            {"case_id": c, "officer": "X", "method": "telephone", "at": later,
             "occurred_at": later, "location": "by telephone", "subject_contacted": False}
            for c in documented])
        conn.execute(insert(dispositions), [
            {"case_id": c, "officer": "X", "disposition": "no_action_not_priority",
             "at": later, "narrative": "not a priority case"} for c in documented])
        conn.execute(insert(alerts).values(alert_id="match_undocumented:C-5",
                                           kind="match_undocumented", ref_id="C-5",
                                           fips5="35013", at=T0 + timedelta(days=7),
                                           detail="late"))


def test_rows_intervals_and_cases(sqlite_engine: Engine) -> None:
    _fixture(sqlite_engine)
    with sqlite_engine.connect() as conn:
        rows = compliance(conn, as_of=T0 + timedelta(days=60))
        before = compliance(conn, as_of=T0 + timedelta(days=30))
    elp = next(r for r in rows if r.aor == "ELP")
    assert (elp.month, elp.matches, elp.undocumented, elp.cases, elp.late) == (
        "2011-03", 40, 2, ["C-0", "C-1"], 1)
    low, high = elp.wilson
    assert round(low, 4) == 0.0138 and round(high, 4) == 0.1650  # 2 of 40: Wilson by hand
    assert [(r.aor, r.month, r.matches) for r in rows if r.aor == "PHI"] == [
        ("PHI", "2011-03", 10), ("PHI", "2011-04", 10)]
    assert sum(r.undocumented for r in before) == sum(r.matches for r in before)
    offices = by_office(rows)
    assert [(o.aor, o.matches, o.undocumented) for o in offices] == [("ELP", 40, 2),
                                                                      ("PHI", 20, 12)]
    assert outside_limits(offices) == ["PHI"]


def test_the_report_files(sqlite_engine: Engine, tmp_path: Path) -> None:
    _fixture(sqlite_engine)
    url = str(sqlite_engine.url)
    result = CliRunner().invoke(app, ["oversight", "compliance", "--as-of",
                                      "2011-06-01T00:00:00+00:00", "--out", str(tmp_path),
                                      "--db", url])
    assert result.exit_code == 0, result.output
    assert "14 of 60 matches undocumented, 1 documented late" in result.stdout
    html = (tmp_path / "compliance.html").read_text()
    assert "<svg" in html and "C-100" in html
    assert (tmp_path / "compliance.csv").read_text().splitlines()[0].startswith("aor,month")
    bad = CliRunner().invoke(app, ["oversight", "compliance", "--as-of", "2011-06-01",
                                   "--db", url])
    assert bad.exit_code == 2 and "--as-of" in bad.output
