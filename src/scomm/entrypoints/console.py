"""What every command shares: the consoles, the ``--db`` option and the error convention.

Errors in what the user gave are printed as ``error: <where>: <problem>`` and exit with
status 2, having changed nothing.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

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


def fail(exc: ScommError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)
