"""A running service over a copy of the tiny run, with one account per role and scope.

Accounts: for every jurisdictional role, one whose domain holds the tiny run's records
(Dona Ana County NM, 35013, field office ELP) and one whose domain does not (Bernalillo
35001, Arizona, Phoenix); the national roles are granted ``*``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from scomm.adapters import accounts, db
from scomm.adapters.authorization import Authorizer, Grant
from scomm.adapters.clock import ManualClock
from scomm.adapters.tables import audit_log, bookings, cases, detainers
from scomm.adapters.uow import UnitOfWork
from scomm.bootstrap import bootstrap
from scomm.entrypoints.api.app import create_app
from scomm.entrypoints.api.service import Service
from scomm.entrypoints.worker import Worker

PASSWORD = "correct horse battery"
USERS: dict[str, tuple[str, str]] = {
    "jail_own": ("booking_agency", "county:35013"),
    "jail_other": ("booking_agency", "county:35001"),
    "sib_own": ("state_bureau", "state:35"),
    "sib_other": ("state_bureau", "state:04"),
    "officer_own": ("officer", "aor:ELP"),
    "officer_other": ("officer", "aor:PHO"),
    "supervisor_own": ("supervisor", "aor:ELP"),
    "supervisor_other": ("supervisor", "aor:PHO"),
    "lesc": ("specialist", "*"),
    "analyst": ("oversight_analyst", "*"),
    "crcl": ("crcl_reviewer", "*"),
    "admin": ("administrator", "*"),
}


@dataclass
class Served:
    client: TestClient
    engine: Engine
    clock: ManualClock
    worker: Worker
    service: Service
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def headers(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            r = self.client.post("/api/session", json={"username": user, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[user] = r.json()["token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}



def copy_store(src: Path, dst: Path) -> str:
    """A consistent copy of a SQLite store (the backup API, so the WAL comes along)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return f"sqlite:///{dst}"


def serve(url: str) -> Served:
    engine = db.make_engine(url)
    db.migrate(engine)
    with engine.connect() as conn:
        last = conn.execute(select(func.max(audit_log.c.at))).scalar_one()
        ids = {"booking": conn.execute(select(cases.c.booking_id).order_by(
                   cases.c.case_id)).scalars().first(),
               "case": conn.execute(select(cases.c.case_id).order_by(
                   cases.c.case_id)).scalars().first(),
               "detainer": conn.execute(select(detainers.c.detainer_id).order_by(
                   detainers.c.detainer_id)).scalars().first(),
               "plain_booking": conn.execute(select(bookings.c.booking_id).order_by(
                   bookings.c.booking_id)).scalars().first()}
    clock = ManualClock(last + timedelta(minutes=1))
    system = bootstrap(engine, clock, migrate=False)
    authorizer = Authorizer()
    with UnitOfWork(engine, clock, actor="test:setup") as uow:
        for user, (role, domain) in USERS.items():
            accounts.create(uow, user, user, PASSWORD, [Grant(role, domain)], authorizer)
        uow.commit()
    service = Service(system, authorizer)
    worker = Worker(system, idle_seconds=0.01, deadlines_every=3600)
    worker.start()
    return Served(TestClient(create_app(service)), engine, clock, worker, service,
                  ids={k: str(v) for k, v in ids.items()})
