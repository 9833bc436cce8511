"""A read-only store over a Parquet snapshot, in DuckDB: the oversight reports at scale.

The reports are SQLAlchemy Core queries over the store's tables. Over a Parquet snapshot
(adapters/parquet.py) the same queries run in DuckDB (through the ``duckdb_engine`` dialect),
each table a view on its file, so a report over ten million cases is a columnar scan instead of
a row-store walk, and needs no copy of the data. The snapshot leaves prints and names behind,
so nothing a report reads from it is personal beyond identifiers.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from scomm.adapters.parquet import SNAPSHOTS
from scomm.domain.errors import InvalidInput


def open_warehouse(snapshot: Path, threads: int | None = None) -> Engine:
    """An engine whose tables are views on ``snapshot``'s Parquet files; refused, naming the
    file, if one is missing."""
    missing = [t.name for t in SNAPSHOTS if not (snapshot / f"{t.name}.parquet").is_file()]
    if missing:
        raise InvalidInput(str(snapshot), "not a snapshot: no " + ", ".join(
            f"{m}.parquet" for m in missing))
    engine = create_engine("duckdb:///:memory:", poolclass=StaticPool)

    @event.listens_for(engine, "connect")
    def _views(dbapi_conn: object, _: object) -> None:
        cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
        if threads:
            cursor.execute(f"SET threads = {int(threads)}")
        for table in SNAPSHOTS:
            path = str(snapshot / f"{table.name}.parquet").replace("'", "''")
            cursor.execute(f"CREATE VIEW {table.name} AS SELECT * FROM read_parquet('{path}')")

    return engine
