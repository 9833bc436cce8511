"""Parquet snapshots of a run, for DuckDB (single machine) or Spark (many) analysis.

Personal detail is left out on purpose: no prints and no names leave the store this way; the
snapshot carries identifiers, jurisdictions, times, codes and outcomes (CJIS AU-3(3): the
minimum necessary).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import JSON, Connection, Table, select

from scomm.adapters import tables as t
from scomm.adapters.audit import AuditWriter

#: table -> columns left out of the snapshot
SNAPSHOTS: dict[Table, frozenset[str]] = {
    t.jurisdictions: frozenset(),
    t.bookings: frozenset({"prints", "biographic"}),
    t.booking_monitoring: frozenset(),
    t.submissions: frozenset(),
    t.criminal_searches: frozenset(),
    t.immigration_searches: frozenset(),
    t.cases: frozenset(),
    t.dossier_facts: frozenset(),
    t.decisions: frozenset(),
    t.detainers: frozenset(),
    t.encounters: frozenset(),
    t.dispositions: frozenset(),
    t.custody: frozenset(),
    t.alerts: frozenset(),
    t.source_queries: frozenset(),
}


def _cell(value: Any, is_json: bool) -> Any:
    """JSON columns go out as JSON text: their values mix types that Arrow cannot unify."""
    if is_json:
        return None if value is None else json.dumps(value, sort_keys=True, default=str)
    return value


def export(conn: Connection, out_dir: Path, actor: str, at: datetime) -> dict[str, int]:
    """Write one Parquet file per table; returns rows written per table.

    The export reads person records in bulk, so it is audited like any other read: one entry
    per table with the number of rows that left the store (invariant 8). The caller commits.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for table, dropped in SNAPSHOTS.items():
        cols = [c for c in table.columns if c.name not in dropped]
        rows = conn.execute(select(*cols)).all()
        data = {c.name: [_cell(r[i], isinstance(c.type, JSON)) for r in rows]
                for i, c in enumerate(cols)}
        pq.write_table(pa.table(data), out_dir / f"{table.name}.parquet")
        written[table.name] = len(rows)
    writer = AuditWriter(conn)
    for name, n in written.items():
        writer.append(at, actor, "export", name, str(out_dir), {"rows": n})
    writer.flush()
    return written
