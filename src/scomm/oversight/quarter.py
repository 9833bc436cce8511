"""The quarterly oversight report: one quarter of the program, as an analyst reads it.

It puts together what the oversight modules compute for the quarter's months: the compliance
report (undocumented matches per office, with its funnel), the detainer cost ledger, the
transparency statistics by state (small cells suppressed), the discretion outcomes, the
complaints received and the profiling monitor's screen (``monitor.csv`` holds every quarter,
since persistence reads the one before). Each table is also written as CSV and Parquet, so
the figures behind the page can be re-read without it; nothing in the report names a
complainant.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Connection, select

from scomm.adapters.tables import complaint_steps, complaints
from scomm.domain.errors import InvalidInput
from scomm.oversight import compliance, costs, discretion, monitor, transparency
from scomm.oversight.complaints import by_jurisdiction_quarter
from scomm.oversight.statistics import COUNT_COLUMNS
from scomm.policy.catalog import load_catalog


@dataclass(frozen=True)
class Quarter:
    label: str
    start: date
    end: date  # exclusive

    @classmethod
    def parse(cls, text: str) -> Quarter:
        try:
            year, q = text.upper().split("Q")
            y, n = int(year), int(q)
            if not 1 <= n <= 4:
                raise ValueError
        except ValueError:
            raise InvalidInput("--quarter", f"a quarter like 2011Q3, not {text!r}") from None
        start = date(y, 3 * n - 2, 1)
        end = date(y + 1, 1, 1) if n == 4 else date(y, 3 * n + 1, 1)
        return cls(f"{y}Q{n}", start, end)

    def instant(self, day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), UTC)


def _write(out_dir: Path, name: str, rows: list[dict[str, Any]]) -> None:
    """One table as CSV and Parquet (money as text, so no float creeps into a ledger; a column
    where small cells are suppressed is text throughout, "<10" beside the counts)."""
    clean = [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()}
             for r in rows]
    with (out_dir / f"{name}.csv").open("w", newline="") as f:
        if clean:
            w = csv.DictWriter(f, fieldnames=list(clean[0]))
            w.writeheader()
            w.writerows(clean)
    mixed = {k for k in (clean[0] if clean else {})
             if len({type(r[k]) for r in clean if r[k] is not None}) > 1}
    table = pa.Table.from_pylist([{k: (None if v is None else str(v)
                                       if isinstance(v, list) or k in mixed else v)
                                   for k, v in r.items()} for r in clean])
    pq.write_table(table, out_dir / f"{name}.parquet")


def _doj_export(conn: Connection, quarter: Quarter, out_dir: Path,
                tables: dict[str, list[dict[str, Any]]]) -> None:
    """What ICE and CRCL said they would share with DOJ each quarter: the jurisdictions the
    monitor flagged, with their figures, and the complaints CRCL referred to DOJ (no
    complainant's identity; the complaint file stays with CRCL)."""
    referred = [{"complaint_id": r.complaint_id, "fips5": r.fips5, "category": r.category,
                 "received_at": r.received_at.isoformat(), "state": r.state}
                for r in conn.execute(select(complaints.c.complaint_id, complaints.c.fips5,
                                             complaints.c.category, complaints.c.received_at,
                                             complaints.c.state)
                                      .join(complaint_steps, complaint_steps.c.complaint_id ==
                                            complaints.c.complaint_id)
                                      .where(complaint_steps.c.step == "refer_doj"))
                if quarter.start <= r.received_at.date() < quarter.end]
    export = {"quarter": quarter.label, "generated_by": "scomm oversight report",
              "method": "docs/oversight.md#profiling-monitor",
              "flagged": [r for r in tables["monitor"] if r["flagged"]],
              "complaints_referred": referred,
              "complaints_by_jurisdiction": tables["complaints"]}
    (out_dir / f"doj_export_{quarter.label}.json").write_text(
        json.dumps(export, indent=2, default=str), encoding="utf-8")


def build(conn: Connection, quarter: Quarter, out_dir: Path,
          per_diem: costs.PerDiem) -> dict[str, int]:
    """Write ``oversight_<quarter>.html`` and the tables behind it; returns rows per table."""
    out_dir.mkdir(parents=True, exist_ok=True)
    start, end = quarter.instant(quarter.start), quarter.instant(quarter.end)
    as_of = end + timedelta(days=7)  # a match's documentation is due within a week
    rows = compliance.compliance(conn, as_of, start, end)
    offices = compliance.by_office(rows)
    ledger = costs.ledger(conn, per_diem, quarter.start, quarter.end - timedelta(days=1))
    months = [m for m in transparency.monthly(conn)
              if quarter.start <= date.fromisoformat(f"{m['month']}-01") < quarter.end]
    states: dict[str, dict[str, int]] = {}
    for m in months:
        s = states.setdefault(str(m["state"]), dict.fromkeys(COUNT_COLUMNS, 0))
        for c in COUNT_COLUMNS:
            s[c] += int(str(m[c]))
    statistics = [{"state": k, **transparency.suppress(v)} for k, v in sorted(states.items())]
    spared = [{"fips5": k[0], "quarter": k[1], **v}
              for k, v in discretion.outcomes(conn).items() if k[1] == quarter.label]
    complaints = [{"fips5": k[0], "quarter": k[1], "category": k[2], "complaints": n}
                  for k, n in by_jurisdiction_quarter(conn).items() if k[1] == quarter.label]
    screened = [asdict(r) for r in monitor.monitor(conn, load_catalog())]
    _write(out_dir, "monitor", screened)  # every quarter, for persistence across reports
    tables: dict[str, list[dict[str, Any]]] = {
        "compliance": [{**asdict(r), "share": round(r.share, 4),
                        "wilson_low": round(r.wilson[0], 4),
                        "wilson_high": round(r.wilson[1], 4)} for r in rows],
        "costs": [asdict(r) for r in ledger],
        "statistics_by_state": statistics,
        "discretion_outcomes": spared,
        "complaints": complaints,
        "monitor": [r for r in screened if r["quarter"] == quarter.label],
    }
    for name, table in tables.items():
        _write(out_dir, f"{name}_{quarter.label}", table)
    _doj_export(conn, quarter, out_dir, tables)
    env = Environment(loader=PackageLoader("scomm.oversight"), autoescape=select_autoescape())
    (out_dir / f"oversight_{quarter.label}.html").write_text(
        env.get_template("quarter.html").render(
            quarter=quarter, offices=offices, outside=compliance.outside_limits(offices),
            funnel=compliance.funnel_svg(offices) if offices else "", ledger=ledger,
            currency=per_diem.currency, statistics=statistics, columns=COUNT_COLUMNS,
            spared=spared, complaints=complaints, as_of=as_of.isoformat(),
            flagged=[r for r in tables["monitor"] if r["flagged"]],
            screened=sum(1 for r in tables["monitor"] if not r["gate"])),
        encoding="utf-8")
    return {name: len(t) for name, t in tables.items()}
