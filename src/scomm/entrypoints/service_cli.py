"""``scomm serve`` (the API and pages over a store) and ``scomm account`` (the first accounts).

An administrator account made here can then make every other account through the API; this
command is for the first one, and for recovering a locked-out administrator.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scomm.domain.errors import ScommError
from scomm.entrypoints.console import DbOption, fail, out, store_url

if TYPE_CHECKING:
    from scomm.entrypoints.api.service import Service
    from scomm.entrypoints.worker import Worker

account_app = typer.Typer(no_args_is_help=True, help="Accounts of the service.")


def build_service(db: str | None, key: Path | None) -> tuple[Service, Worker]:
    """The service over a store and its background worker, not yet started."""
    from scomm.adapters import signing
    from scomm.adapters.authorization import Authorizer
    from scomm.adapters.clock import SystemClock
    from scomm.adapters.db import make_engine
    from scomm.bootstrap import bootstrap
    from scomm.entrypoints.api.service import Service
    from scomm.entrypoints.worker import Worker

    private = signing.load_private(key) if key is not None else None
    system = bootstrap(make_engine(store_url(db)), SystemClock())
    return Service(system, Authorizer(), private), Worker(system, private)


def serve(port: Annotated[int, typer.Option(help="TCP port to listen on")] = 8000,
          host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
          db: DbOption = None,
          key: Annotated[Path | None, typer.Option(
              "--key", envvar="SCOMM_AUDIT_KEY",
              help="sign audit checkpoints with this key (scomm audit keygen)")] = None) -> None:
    """Serve the API (OpenAPI at /openapi.json, docs at /docs) and the web pages."""
    import uvicorn

    from scomm.entrypoints.api.app import create_app

    try:
        service, worker = build_service(db, key)
    except ScommError as exc:
        raise fail(exc) from None
    worker.start()
    out.print(f"scomm serving on http://{host}:{port} (store {store_url(db)})")
    try:
        uvicorn.run(create_app(service), host=host, port=port, log_level="warning")
    finally:
        worker.stop()
        service.system.close()


@account_app.command("create")
def account_create(
    username: str,
    grant: Annotated[list[str], typer.Option(
        help="ROLE@DOMAIN, e.g. officer@aor:PHO, booking_agency@county:35001, "
             "administrator@*; repeat for several")],
    name: Annotated[str, typer.Option(help="display name")] = "",
    password: Annotated[str, typer.Option(
        prompt=True, hide_input=True, confirmation_prompt=True, envvar="SCOMM_PASSWORD",
        help="at least 12 characters (or $SCOMM_PASSWORD)")] = "",
    db: DbOption = None,
) -> None:
    """Create a local account with its grants (the first administrator, typically)."""
    from scomm.adapters import accounts
    from scomm.adapters import db as store
    from scomm.adapters.authorization import Authorizer, Grant
    from scomm.adapters.clock import SystemClock
    from scomm.adapters.uow import UnitOfWork
    from scomm.domain.errors import InvalidInput

    try:
        grants = []
        for i, g in enumerate(grant):
            role, sep, domain = g.partition("@")
            if not sep:
                raise InvalidInput(f"--grant[{i}]", f"{g!r} is not ROLE@DOMAIN")
            grants.append(Grant(role, domain))
        engine = store.make_engine(store_url(db))
        store.migrate(engine)
        with UnitOfWork(engine, SystemClock(), actor="cli:account") as uow:
            accounts.create(uow, username, name or username, password, grants, Authorizer())
            uow.commit()
        engine.dispose()
    except ScommError as exc:
        raise fail(exc) from None
    out.print(f"account {username} created with {', '.join(grant)}")
