"""Engines and schema: one code path for SQLite (default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=NORMAL`` and opens write transactions with
``BEGIN IMMEDIATE``: pysqlite's deferred BEGIN takes the write lock late and fails with
"database is locked" under concurrency, the well-known trap recorded in reference/platform.md §3.1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

DEFAULT_OUT = Path("out")
MIGRATIONS = Path(__file__).parent / "migrations"


def default_url(out_dir: Path = DEFAULT_OUT) -> str:
    """``SCOMM_DATABASE_URL`` if set, else the main job's SQLite file under ``out_dir``."""
    env = os.environ.get("SCOMM_DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{(out_dir / 'scomm.db').as_posix()}"


def make_engine(url: str) -> Engine:
    """Create an engine with the per-dialect settings the pipeline relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)


def checkpoint(engine: Engine) -> None:
    """After a bulk load on SQLite, copy the write-ahead log into the database and empty it.

    The national seeding commits ~2 GB in one transaction; left in the log, every later read
    has to consult its index first and the file stays on disk twice. PostgreSQL needs nothing.
    """
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # outside a transaction, which the pragma needs
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


def schema_behind(engine: Engine) -> tuple[str | None, str] | None:
    """(the store's revision, the newest) if the store is behind this version of scomm."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return None if current == head or head is None else (current, head)


def reset(engine: Engine) -> None:
    """Drop everything scomm created, so a new run starts from an empty store."""
    from scomm.adapters.tables import metadata
    from scomm.sim import truth  # noqa: F401  (registers the sim_ tables)

    metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
