"""Alembic environment: runs against the engine handed over by ``scomm.adapters.db.migrate``."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import create_engine

from scomm.adapters.tables import metadata
from scomm.adapters.types import UTCDateTime
from scomm.sim import truth  # noqa: F401  (registers the sim_ ground-truth tables)

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")



def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Migrations spell our UTC column type as the plain ``DateTime(timezone=True)`` it wraps."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
