"""Shared fixtures: real SQLite files and a real PostgreSQL database.

PostgreSQL tests use ``SCOMM_TEST_PG_URL`` (default: the local server's ``scomm_test``
database, created here if missing). Set ``SCOMM_TEST_PG=skip`` to run without a server; in CI
(``CI=true``) a missing server is a failure, not a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from scomm.adapters import db

PG_URL = os.environ.get("SCOMM_TEST_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/scomm_test")


def _ensure_pg_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": parsed.database}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> str:
    if os.environ.get("SCOMM_TEST_PG") == "skip":
        pytest.skip("PostgreSQL tests disabled by SCOMM_TEST_PG=skip")
    try:
        _ensure_pg_database(PG_URL)
    except Exception as exc:  # the server is absent: fail in CI, skip on a laptop
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL at {PG_URL}: {exc}")
    return PG_URL


def fresh(url: str) -> Engine:
    engine = db.make_engine(url)
    db.reset(engine)
    db.migrate(engine)
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for an empty store, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scomm.db'}"
    url: str = request.getfixturevalue("pg_url")
    engine = db.make_engine(url)
    db.reset(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = fresh(db_url)
    yield e
    e.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    e = fresh(f"sqlite:///{tmp_path / 'scomm.db'}")
    yield e
    e.dispose()


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One stored run of ``tests/data/tiny.yaml`` (SQLite) shared by the tests that read a
    store; a test that adds to it must not depend on what the others add."""
    from scomm.sim import scenario as scenarios
    from scomm.sim.run import simulate

    tiny = Path(__file__).parent / "data" / "tiny.yaml"
    return simulate(scenarios.load(tiny), tmp_path_factory.mktemp("tiny"), quiet=True)
