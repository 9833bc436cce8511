"""What every command shares: the consoles, the ``--db`` option and the error convention.

Errors in what the user gave are printed as ``error: <where>: <problem>`` and exit with
status 2, having changed nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Engine

from scomm.domain.errors import ScommError

TABLE_WIDTH = 150
# Piped to a file or another program, print tables in full rather than at 80 columns.
out = Console() if sys.stdout.isatty() else Console(width=TABLE_WIDTH)
err = Console(stderr=True)

DbOption = Annotated[str | None, typer.Option(
    "--db", help="Database URL [default: $SCOMM_DATABASE_URL, else ./out/scomm.db]")]


def store_url(db: str | None) -> str:
    from scomm.adapters.db import default_url

    return db or default_url()


def open_store(db: str | None) -> Engine:
    """The store for a command that only reads it: refused, naming the fix, if its schema is
    older than this scomm (a read must not migrate someone's database behind their back)."""
    from scomm.adapters.db import make_engine, schema_behind
    from scomm.domain.errors import InvalidInput

    url = store_url(db)
    engine = make_engine(url)
    behind = schema_behind(engine)
    if behind is not None:
        engine.dispose()
        raise InvalidInput("--db", f"the store is at schema revision {behind[0] or 'none'}, "
                           f"this scomm reads {behind[1]}: run `scomm db upgrade --db {url}`")
    return engine


def fail(exc: ScommError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def print_json(value: Any) -> None:
    """JSON on standard output, unwrapped (Rich would fold long lines) for other programs."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    sys.stdout.write(json.dumps(value, indent=2, default=_json_default) + "\n")


def _json_default(value: object) -> Any:
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"no JSON form for {type(value).__name__}")
